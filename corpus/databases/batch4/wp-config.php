<?php
define('DB_PASSWORD', "p@ss;w0rd");
