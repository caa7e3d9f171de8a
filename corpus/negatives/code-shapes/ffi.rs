extern "C" {
    fn login(user: *const c_char, pass: *const c_char) -> i32;
}
pub fn check(password: &str) -> bool { !password.is_empty() }
