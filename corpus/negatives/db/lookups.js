const pool = new Pool({
  password: process.env.PGPASSWORD,
  user: config.user,
});
const password = req.body.password;
function login(user, password) { return auth(user, password); }
