import { S3Client } from "@aws-sdk/client-s3";

export const client = new S3Client({
  region: "eu-central-1",
  credentials: {
    accessKeyId: 'AKIA44DU7X7VILFRT4BB',
    secretAccessKey: `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`,
  },
});
