<?php
define('DB_PASSWORD', getenv('DB_PASSWORD'));
$password = $_ENV['DB_PASSWORD'];
