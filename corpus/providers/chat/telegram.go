package main

import (
	"log"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const botToken = "3592104539:AAuVXJ6EzXRnwCUZ07ESxPzWrQhfqGESz_N"

// Timestamps like 12:AA:BB in logs are not tokens.
func main() {
	bot, err := tgbotapi.NewBotAPI(botToken)
	if err != nil {
		log.Panic(err)
	}
	log.Printf("authorized on account %s", bot.Self.UserName)
}
