<?php
class AccountRules
{
    public function rules(): array
    {
        return [
            'email' => 'required|email',
            'password' => 'required|string|min:12|confirmed',
        ];
    }
}
