<?php
define("DB_PASS", "Sup3r-Admin");
$db = new PDO('mysql:host=db;dbname=shop', 'shop', 'Pd0-Sh0p!');
