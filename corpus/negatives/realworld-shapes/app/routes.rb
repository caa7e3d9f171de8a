Rails.application.routes.draw do
  match "/account/set_new_password" => "account#set_new_password", via: :post
end
