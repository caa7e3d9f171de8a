import { getApiKeyFromRequest } from './auth';

export const ACME_API_KEY = 'fERBSyR8gJ3YK03i2InFizuKiwqs6lxo';
const apiKey = getApiKeyFromRequest(req);
const accessToken = process.env.ACCESS_TOKEN;
const csrfToken = document.querySelector('meta[name=csrf-token]').content;
export const headerName = 'X-Acme-Api-Key-Header';
