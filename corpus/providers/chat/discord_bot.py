import discord

intents = discord.Intents.default()
client = discord.Client(intents=intents)

ALERTS_WEBHOOK = "https://discord.com/api/webhooks/639397983724624887/h-zrL9czGbRxjHeB8v5f1U1UpShQiGTWAaTQKtiM97KmCY1YL4aE0_UnonzJn7IuJRNy"
DOCS_WEBHOOK = "https://discord.com/api/webhooks/{webhook_id}/{webhook_token}"
# not a token: the id segment does not decode to a snowflake
OLD_TOKEN = "Tm90QUJvdElkQXRBbGxYWFhY.7P4Bw8.elO6BaTlwmryLgYZwOqnj8q5wLNSMQWXYzE7LM"

if __name__ == "__main__":
    client.run("NDAyMTY2MTU2ODIzMjY3NTY5.BzofCh.qYrn4NwaqlNUgmdtSZZDZKRf91qqLui7P5ReIh")
