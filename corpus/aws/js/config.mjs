export default {
  s3: { key: "AKIAITOO4B6QJJKQST6J", secret: "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" },
};
