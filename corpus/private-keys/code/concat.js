// A key pasted as a concatenated string literal.
const key = "-----BEGIN PRIVATE KEY-----\n" +
  "MC4CAQAwBQYDK2VwBCIEIJnPfS4c/lfV1xgTVE8r/sWPodqG+RA2yw7f4AiMegvO\n" +
  "-----END PRIVATE KEY-----\n";
