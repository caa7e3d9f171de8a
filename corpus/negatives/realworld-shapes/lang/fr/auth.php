<?php
// A translation catalogue: the value under `password` is the word in French.
return [
    'password' => 'Le mot de passe est incorrect.',
    'password_confirmation' => 'Confirmez le mot de passe',
    'reset_password' => 'Réinitialiser',
];
