export interface Credentials {
  password: string;
  privateKey?: string; // "-----BEGIN PRIVATE KEY-----..."
}
