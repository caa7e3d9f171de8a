<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp' );
define( 'DB_PASSWORD', 'wp-S3cret-2024' );
define( 'DB_HOST', 'localhost' );
