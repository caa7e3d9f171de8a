import discord

intents = discord.Intents.default()
client = discord.Client(intents=intents)

DISCORD_BOT_TOKEN = "NjM5Mzk3OTgzNzI0NjI0ODg3.h-zrL9.czGbRxjHeB8v5f1U1UpShQiGTWAaTQKtiM97Km"
ALERTS_WEBHOOK = "https://discord.com/api/webhooks/136317308687245461/n7IuJRNy7P4Bw8elO6BaTlwmryLgYZwOqnj8q5wLNSMQWXYzE7LMdEUP30Jr2RaSx9q0"
DOCS_WEBHOOK = "https://discord.com/api/webhooks/{webhook_id}/{webhook_token}"
# not a token: the id segment does not decode to a snowflake
OLD_TOKEN = "Tm90QUJvdElkQXRBbGxYWFhY.BzofCh.qYrn4NwaqlNUgmdtSZZDZKRf91qqLui7P5ReIh"

if __name__ == "__main__":
    client.run(DISCORD_BOT_TOKEN)
