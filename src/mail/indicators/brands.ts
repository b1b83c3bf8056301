/**
 * Often-impersonated brands, from general knowledge of phishing reports (not from any
 * corpus). `tokens` are matched in display names (as words) and in domain names (as a
 * label part; tokens of five or more letters also inside a label). `domains` are the
 * registrable domains the brand really sends from or links to. `ccTlds` accepts the
 * brand's name under any country-code suffix (amazon.de, santander.com.br).
 * Brands whose names are common words or surnames are left out on purpose: a display name
 * "Chase Miller" must not read as the bank.
 */
export interface Brand {
  name: string;
  tokens: string[];
  domains: string[];
  ccTlds?: boolean;
}

export const BUILT_IN_BRANDS: readonly Brand[] = Object.freeze([
  {
    name: 'Microsoft',
    tokens: ['microsoft', 'office365', 'office 365', 'microsoft365', 'onedrive', 'sharepoint', 'outlook'],
    ccTlds: true,
    domains: [
      'microsoft.com', 'office.com', 'office365.com', 'microsoft365.com', 'live.com', 'outlook.com', 'hotmail.com', 'msn.com',
      'microsoftonline.com', 'sharepoint.com', 'onedrive.com', 'onmicrosoft.com', 'azure.com', 'windows.net', 'windows.com',
      'bing.com', 'skype.com', 'xbox.com', 'office.net', 'aka.ms', '1drv.ms', 'microsoftstore.com', 'microsoftonline-p.com', 'msauth.net', 'msftauth.net',
    ],
  },
  { name: 'Apple', tokens: ['apple', 'icloud', 'itunes', 'appleid', 'apple id'], domains: ['apple.com', 'icloud.com', 'me.com', 'mac.com', 'itunes.com'] },
  { name: 'Google', tokens: ['google', 'gmail', 'youtube'], domains: ['google.com', 'gmail.com', 'googlemail.com', 'youtube.com', 'goo.gl', 'g.co', 'withgoogle.com', 'gstatic.com', 'googleusercontent.com', 'googlegroups.com', 'googlesource.com', 'googleblog.com', 'google.org', 'googleapis.com', 'googlevideo.com', 'google-analytics.com', 'googletagmanager.com'], ccTlds: true },
  { name: 'Amazon', tokens: ['amazon', 'prime video'], domains: ['amazon.com', 'amazonses.com', 'amazonaws.com', 'amazontrust.com', 'media-amazon.com', 'amazon.co.uk', 'amazon.co.jp'], ccTlds: true },
  { name: 'PayPal', tokens: ['paypal'], domains: ['paypal.com', 'paypal.me', 'paypalobjects.com', 'paypal-communication.com', 'paypal-community.com'], ccTlds: true },
  { name: 'Netflix', tokens: ['netflix'], domains: ['netflix.com', 'netflix.net', 'nflxext.com'], ccTlds: true },
  { name: 'Meta', tokens: ['facebook', 'instagram', 'whatsapp'], domains: ['facebook.com', 'fb.com', 'fb.me', 'facebookmail.com', 'instagram.com', 'whatsapp.com', 'whatsapp.net', 'meta.com', 'fbcdn.net'] },
  { name: 'LinkedIn', tokens: ['linkedin'], domains: ['linkedin.com', 'lnkd.in', 'licdn.com'] },
  { name: 'Twitter', tokens: ['twitter'], domains: ['twitter.com', 'x.com', 't.co'] },
  { name: 'DHL', tokens: ['dhl'], domains: ['dhl.com', 'dhl.de', 'dhl.co.uk'], ccTlds: true },
  { name: 'FedEx', tokens: ['fedex'], domains: ['fedex.com'] },
  { name: 'UPS', tokens: ['ups'], domains: ['ups.com'] },
  { name: 'USPS', tokens: ['usps'], domains: ['usps.com', 'usps.gov'] },
  { name: 'Royal Mail', tokens: ['royalmail', 'royal mail'], domains: ['royalmail.com', 'royalmail.co.uk'] },
  { name: 'DocuSign', tokens: ['docusign'], domains: ['docusign.com', 'docusign.net'] },
  { name: 'Dropbox', tokens: ['dropbox'], domains: ['dropbox.com', 'dropboxmail.com', 'db.tt'] },
  { name: 'Adobe', tokens: ['adobe'], domains: ['adobe.com', 'adobesign.com', 'acrobat.com', 'adobe.io', 'adobelogin.com'] },
  { name: 'WeTransfer', tokens: ['wetransfer'], domains: ['wetransfer.com', 'we.tl'] },
  { name: 'Binance', tokens: ['binance'], domains: ['binance.com'] },
  { name: 'Coinbase', tokens: ['coinbase'], domains: ['coinbase.com'] },
  { name: 'MetaMask', tokens: ['metamask'], domains: ['metamask.io'] },
  { name: 'Trust Wallet', tokens: ['trustwallet', 'trust wallet'], domains: ['trustwallet.com'] },
  { name: 'Wells Fargo', tokens: ['wellsfargo', 'wells fargo'], domains: ['wellsfargo.com'] },
  { name: 'Bank of America', tokens: ['bankofamerica', 'bank of america'], domains: ['bankofamerica.com', 'bofa.com'] },
  { name: 'JPMorgan Chase', tokens: ['jpmorgan', 'chase bank'], domains: ['chase.com', 'jpmorgan.com', 'jpmorganchase.com'] },
  { name: 'Citibank', tokens: ['citibank'], domains: ['citi.com', 'citibank.com'] },
  { name: 'HSBC', tokens: ['hsbc'], domains: ['hsbc.com', 'hsbc.co.uk'], ccTlds: true },
  { name: 'Santander', tokens: ['santander'], domains: ['santander.com', 'santander.co.uk'], ccTlds: true },
  { name: 'American Express', tokens: ['americanexpress', 'american express', 'amex'], domains: ['americanexpress.com', 'aexp.com'] },
  { name: 'Steam', tokens: ['steampowered', 'steamcommunity'], domains: ['steampowered.com', 'steamcommunity.com'] },
  { name: 'Spotify', tokens: ['spotify'], domains: ['spotify.com'] },
  { name: 'Verizon', tokens: ['verizon'], domains: ['verizon.com', 'verizon.net', 'vzw.com'] },
  { name: 'Comcast', tokens: ['xfinity', 'comcast'], domains: ['xfinity.com', 'comcast.net', 'comcast.com'] },
  { name: 'Norton', tokens: ['norton antivirus', 'norton 360', 'nortonlifelock'], domains: ['norton.com', 'nortonlifelock.com'] },
  { name: 'McAfee', tokens: ['mcafee'], domains: ['mcafee.com'] },
  { name: 'Geek Squad', tokens: ['geeksquad', 'geek squad'], domains: ['geeksquad.com', 'bestbuy.com'] },
  { name: 'Intuit', tokens: ['quickbooks', 'intuit'], domains: ['intuit.com', 'quickbooks.com'] },
  { name: 'eBay', tokens: ['ebay'], domains: ['ebay.com'], ccTlds: true },
  { name: 'Walmart', tokens: ['walmart'], domains: ['walmart.com'] },
  { name: 'Costco', tokens: ['costco'], domains: ['costco.com'], ccTlds: true },
  { name: 'Temu', tokens: ['temu'], domains: ['temu.com'] },
  { name: 'AliExpress', tokens: ['aliexpress'], domains: ['aliexpress.com'] },
  { name: 'Yahoo', tokens: ['yahoo'], domains: ['yahoo.com', 'ymail.com', 'yahoo.net', 'yahoogroups.com', 'yimg.com', 'yahoo-inc.com'], ccTlds: true },
  { name: 'AOL', tokens: ['aol'], domains: ['aol.com'] },
  { name: 'Airbnb', tokens: ['airbnb'], domains: ['airbnb.com'], ccTlds: true },
  { name: 'IRS', tokens: ['irs'], domains: ['irs.gov'] },
  { name: 'Telekom', tokens: ['telekom'], domains: ['telekom.de', 't-online.de', 'telekom.com'] },
  { name: 'Sparkasse', tokens: ['sparkasse'], domains: ['sparkasse.de'] },
  { name: 'Correios', tokens: ['correios'], domains: ['correios.com.br'] },
  { name: 'Itaú', tokens: ['itau'], domains: ['itau.com.br'] },
  { name: 'Bradesco', tokens: ['bradesco'], domains: ['bradesco.com.br'] },
  { name: 'Nubank', tokens: ['nubank'], domains: ['nubank.com.br'] },
  { name: 'Banco do Brasil', tokens: ['bancodobrasil', 'banco do brasil'], domains: ['bb.com.br'] },
  { name: 'Mercado Livre', tokens: ['mercadolivre', 'mercadopago', 'mercadolibre', 'mercado livre', 'mercado pago'], domains: ['mercadolivre.com.br', 'mercadopago.com', 'mercadolibre.com'], ccTlds: true },
]);

/**
 * Consumer mailbox providers. A brand does not write to its customers from one of these,
 * so `Microsoft <x@outlook.com>` is an impersonation even though Microsoft owns outlook.com.
 */
export const FREEMAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'icloud.com', 'me.com', 'mac.com',
  'yahoo.com', 'ymail.com', 'aol.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.ru', 'yandex.ru', 'yandex.com',
  'protonmail.com', 'proton.me', 'zoho.com', 'qq.com', '163.com', '126.com', 'uol.com.br', 'bol.com.br', 'mail.com',
]);

/**
 * Domains so common in ordinary mail that sharing a link to them says nothing about a
 * campaign (they are never used as campaign keys).
 */
export const UBIQUITOUS_DOMAINS: ReadonlySet<string> = new Set([
  'w3.org', 'schema.org', 'xmlsoap.org', 'purl.org', 'google.com', 'gstatic.com', 'googleapis.com', 'facebook.com',
  'twitter.com', 'x.com', 'linkedin.com', 'instagram.com', 'youtube.com', 'microsoft.com', 'apple.com', 'outlook.com',
  'office.com', 'live.com', 'wikipedia.org', 'github.com', 'mozilla.org', 'example.com', 'example.org', 'example.net',
]);

/**
 * Brand-owned domains where anyone can publish or send: a tenant, a group, a bucket, a
 * site builder. A message from one of them is not a message from the brand.
 */
export const USER_CONTENT_DOMAINS: ReadonlySet<string> = new Set([
  'googlegroups.com', 'yahoogroups.com', 'onmicrosoft.com', 'sharepoint.com', 'amazonaws.com', 'googleusercontent.com',
  'googleapis.com', 'windows.net', 'blogspot.com', 'appspot.com', 'web.app', 'firebaseapp.com', 'github.io',
]);
