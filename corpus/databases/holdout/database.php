<?php
return ['mysql' => ['username' => 'app', 'password' => 'Lar4vel-Db']];
