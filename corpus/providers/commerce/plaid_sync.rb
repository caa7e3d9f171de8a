# Nightly sync of linked bank accounts.
require "plaid"

client = Plaid::PlaidApi.new(Plaid::ApiClient.new(Plaid::Configuration.new))
ACCESS_TOKEN = "access-production-34ce8fbe-72c2-4db0-8f00-dfdf7d77fddb"

def balances(client)
  client.accounts_balance_get(Plaid::AccountsBalanceGetRequest.new(access_token: ACCESS_TOKEN))
end
