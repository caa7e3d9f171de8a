from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg2://scott:t1ger-Pa55@localhost:5432/test")
legacy = create_engine('mysql+pymysql://report:Qw3rty!2019@10.0.0.12/reports')
cache = "rediss://default:Sl0wCache!@redis.internal:6380"
