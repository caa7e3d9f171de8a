class Auth {
    void reset(User u, String newPassword) {
        u.setPassword(newPassword);
        u.setPassword(encoder.encode(raw));
    }
}
