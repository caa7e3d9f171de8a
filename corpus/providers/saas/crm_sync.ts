import jsforce from "jsforce";

// One-off backfill of HubSpot contacts into Salesforce.
const conn = new jsforce.Connection({
  instanceUrl: "https://acme.my.salesforce.com",
  accessToken: "00DG0SAJH62ySBH04F!Lm8XSRseh9LSsVQ05b7zUrhe30Z02bxSYu_uhrWcXB7zzvfZTaxRFMtMpeDwSnflqwB3wVn1LZiwMgdhygmKLboGu8v2M86e",
});

export async function upsertContact(email: string) {
  return conn.sobject("Contact").upsert({ Email: email }, "Email");
}
