const pool = new Pool({ user: 'app', password: 'n0de-Pg!', host: 'db' });
