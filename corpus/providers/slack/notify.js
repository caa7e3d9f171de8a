const { IncomingWebhook } = require('@slack/webhook');

// deploy notifications
const webhook = new IncomingWebhook('https://hooks.slack.com/services/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');
const configToken = process.env.SLACK_CONFIG_TOKEN || 'xoxe.xoxp-1-E99lowOhDZiHfR3Lo0hPCAnFC5Nq9yrvTqqB7rTUxviffFh66t1AZn2PL6WuUuDyZoAu9b0zeIDQwx3S5Gab9lnIgY0jVvzac3QswhFy6QiLW0l4MIe4q96Wfycu7kkYsUX0XyO81EkItTNJBF5TxQ';

module.exports = async function notify(text) {
  await webhook.send({ text, username: 'deploy-bot' });
  return configToken.length;
};
