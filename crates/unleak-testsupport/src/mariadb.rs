pub struct MariaDb;
