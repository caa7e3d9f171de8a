// SMS fallback through Twilio when push delivery fails.
const twilio = require('twilio');

const client = twilio(
  'AC0efb0b593188f0814e7db9223b6b9a45',
  '8c1faf2d13f6e002a597d23cc1e62d96'
);

module.exports = async function sendSms(to, body) {
  return client.messages.create({ from: '+15005550006', to, body });
};
