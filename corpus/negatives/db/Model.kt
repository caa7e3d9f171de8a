data class Login(val user: String, val password: CharArray)
