class User(Base):
    password: Mapped[str] = mapped_column(String(128))
    password_hash = Column(String(255), nullable=False)

def make(password: str = None) -> "User":
    ...
