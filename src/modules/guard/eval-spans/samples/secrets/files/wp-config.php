<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wp_admin' );
define( 'DB_PASSWORD', 'r7Vq!2pLx9Tz' );
define( 'DB_HOST', 'localhost' );
define( 'AUTH_KEY',         'k>2p(Vq8|Lx!z9T#Wm4@sR7^cN1&bF5*' );
define( 'SECURE_AUTH_SALT', 'M3#qv8]Zp2!Lx7(Tw9@Rs4^Nc1&Bf6*y' );
$table_prefix = 'wp_';
