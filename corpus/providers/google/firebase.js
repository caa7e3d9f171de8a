import { initializeApp } from "firebase/app";

const firebaseConfig = {
  apiKey: "AIzaflmhBCun1WiWOUM8Yn4f0xuh74ckClmyEF6",
  authDomain: "acme-prod.firebaseapp.com",
  projectId: "acme-prod",
  messagingSenderId: "96bebe2c76237ad919b2304c3ed152e7",
};

// server-side push (legacy HTTP API)
export const FCM_SERVER_KEY = "AAAA_b5rCBc:APA91bbJfnqWMXhYcVHsERZDU8phXoOAFmxgxX1_EejiZKIgXewlPxo_AH0-xPgGODuvqxSXaB_e5Y-FJEQYx7c3wUuGsISjUEDewSLFRrEOdkXY5O3ZJVJVw0TwMxA8nFDYqB2ylkQU";
export const DOCS_KEY = "AIzaxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
export const app = initializeApp(firebaseConfig);
