"""Settings of the shop integrations (fixture: every value here is generated)."""

WOOCOMMERCE = {
    "url": "https://shop.acme.internal",
    "consumer_key": "ck_0c2e88081528937a4ddb20d6419861a71bb1caef",
    "consumer_secret": "cs_bb5c18e311abce6c63d0ccd0eb60ff0db0c3c944",
}
MERCADOPAGO_ACCESS_TOKEN = "APP_USR-2464662010668358-215615-c7a3fae6b2786924051a19bdfbd3799f-537561034"
SQUARE = {"sandbox_secret": "sandbox-sq0csb-V2lyFSOft5dKl7t-IFPWtsZs11Y0HrnfBR2EhsTu7pD", "sandbox_token": "sandbox-sq0atb-41UWApb7AyYj9jZ3T_WB9j"}
ADYEN_API_KEY = "AQEUezFYSfPL3ZxxjSiWmFAqN4tkoQHe4l0ni9x2s7V+GrYZZu3233dkbNhIprFGy8WX7a+lBt==-RmXcTMlASPkCOKWXSRseh9LSsVQ05b7zUrhe30Z02bx=-wJMXgrfXQuVLxOuL"
LOB_API_KEY = "live_eccb7646c413b3a70c4979ac0dc59d268c3"
CDP_API_KEY_SECRET = "++TfQAivZDp8f3dCqfnsm/hCV4yrjltkydkn3Cy41EHiSIO0QQeV9NQvUU3hVZUVe9kMo+KV9RcJyjH5LtiZhw=="
AMAZON = {
    "mws_auth_token": "amzn.mws.6a1bfbd3-fe7b-4eea-a5ca-5612016d50de",
    "lwa_client_secret": "amzn1.oa2-cs.v1.2a749e01886b1229162bbb7819c68dea71790a92d1e68a76409ebe85959bb7c1",
    "refresh_token": "Atzr|uk2HGA7-3lyEZhVcMAuIGH0mjOoE885-OD-MXMN6GMYAUCYfuIsUz2FbRzHTqJ6oHSBHmcGT3tVC0-dITg9IXIzgcZ9GAzAnPMgMTcUwOs5tIP5O-7_ao00SfGHKImFx36_39qB4pG5IfOzX6zYGzTHZxwDcfeFjQwrlaooLYHeY64DVuDqviPhAxQMEN-Dkj9A7DdmqTKFJyV28FFIVyzp8E09OctLAUsM9WQBPfzIKZjDMs4tqO_74Zgr48iIZmkgq80LOhWKmkTHYYMO-auvW7zrMfZlvkIqR-Dug7N8y",
}
# Placeholders: not reported.
STRIPE_DOCS = "sk_live_..."
ADYEN_MERCHANT_ACCOUNT = "AcmeECOM"
