/**
 * Every example of RFC 9396, verbatim (as stored in the specs digest), keyed by its digest id and
 * titled with the RFC section it appears in. Tests read this table, never the digest itself.
 */

/** Where an example appears and what its text is. */
export interface Rfc9396Example {
  /** Identifier in the specs digest, e.g. `EX-9396-02`. */
  readonly id: string
  /** RFC 9396 section, e.g. `§2` or `App. A.3`. */
  readonly section: string
  /** The RFC's caption (or a description where the RFC has none). */
  readonly title: string
  /** The example exactly as printed. */
  readonly text: string
}

export const RFC9396_EXAMPLES: readonly Rfc9396Example[] = [
  {
    id: 'EX-9396-01',
    section: '\u00a71',
    title: 'Example of an Authorization Request for a Credit Transfer',
    text: '{\n   "type": "payment_initiation",\n   "locations": [\n      "https://example.com/payments"\n   ],\n   "instructedAmount": {\n      "currency": "EUR",\n      "amount": "123.50"\n   },\n   "creditorName": "Merchant A",\n   "creditorAccount": {\n      "bic":"ABCIDEFFXXX",\n      "iban": "DE02100100109307118603"\n   },\n   "remittanceInformationUnstructured": "Ref Number Merchant"\n}\n',
  },
  {
    id: 'EX-9396-02',
    section: '\u00a72',
    title: 'Example of "authorization_details" for a Credit Transfer',
    text: '[\n   {\n      "type": "payment_initiation",\n      "actions": [\n         "initiate",\n         "status",\n         "cancel"\n      ],\n      "locations": [\n         "https://example.com/payments"\n      ],\n      "instructedAmount": {\n         "currency": "EUR",\n         "amount": "123.50"\n      },\n      "creditorName": "Merchant A",\n      "creditorAccount": {\n         "iban": "DE02100100109307118603"\n      },\n      "remittanceInformationUnstructured": "Ref Number Merchant"\n   }\n]\n',
  },
  {
    id: 'EX-9396-03',
    section: '\u00a72',
    title: 'Example of "authorization_details" for a Combined Request',
    text: '[\n   {\n      "type": "account_information",\n      "actions": [\n         "list_accounts",\n         "read_balances",\n         "read_transactions"\n      ],\n      "locations": [\n         "https://example.com/accounts"\n      ]\n   },\n   {\n      "type": "payment_initiation",\n      "actions": [\n         "initiate",\n         "status",\n         "cancel"\n      ],\n      "locations": [\n         "https://example.com/payments"\n      ],\n      "instructedAmount": {\n         "currency": "EUR",\n         "amount": "123.50"\n      },\n      "creditorName": "Merchant A",\n      "creditorAccount": {\n         "iban": "DE02100100109307118603"\n      },\n      "remittanceInformationUnstructured": "Ref Number Merchant"\n   }\n]\n',
  },
  {
    id: 'EX-9396-04',
    section: '\u00a72.1',
    title: 'Example of "authorization_details" with a URL as Type Identifier',
    text: '{\n   "type": "https://scheme.example.org/files",\n   "locations": [\n      "https://example.com/files"\n   ],\n   "permissions": [\n      {\n         "path": "/myfiles/A",\n         "access": [\n            "read"\n         ]\n      },\n      {\n         "path": "/myfiles/A/X",\n         "access": [\n            "read",\n            "write"\n         ]\n      }\n   ]\n}\n',
  },
  {
    id: 'EX-9396-05',
    section: '\u00a72.2',
    title: 'Example of "authorization_details" with Common Data Fields',
    text: '[\n   {\n      "type": "customer_information",\n      "locations": [\n         "https://example.com/customers"\n      ],\n      "actions": [\n         "read",\n         "write"\n      ],\n      "datatypes": [\n         "contacts",\n         "photos"\n      ]\n   }\n]\n',
  },
  {
    id: 'EX-9396-06',
    section: '\u00a72.2',
    title: 'Example of "authorization_details" with Common Data Fields in Multiple Objects',
    text: '[\n   {\n      "type": "customer_information",\n      "locations": [\n         "https://example.com/customers"\n      ],\n      "actions": [\n         "read"\n      ],\n      "datatypes": [\n         "contacts"\n      ]\n   },\n   {\n      "type": "customer_information",\n      "locations": [\n         "https://example.com/customers"\n      ],\n      "actions": [\n         "write"\n      ],\n      "datatypes": [\n         "photos"\n      ]\n   }\n]\n',
  },
  {
    id: 'EX-9396-07',
    section: '\u00a72.2',
    title: 'Example of "authorization_details" Using Common and Extension Data Fields',
    text: '[\n   {\n      "type":"photo-api",\n      "actions":[\n         "read",\n         "write"\n      ],\n      "locations":[\n         "https://server.example.net/",\n         "https://resource.local/other"\n      ],\n      "datatypes":[\n         "metadata",\n         "images"\n      ],\n      "geolocation":[\n         {\n            "lat":-32.364,\n            "lng":153.207\n         },\n         {\n            "lat":-35.364,\n            "lng":158.207\n         }\n      ]\n   },\n   {\n      "type":"financial-transaction",\n      "actions":[\n         "withdraw"\n      ],\n      "identifier":"account-14-32-32-3",\n      "currency":"USD"\n   }\n]\n',
  },
  {
    id: 'EX-9396-08',
    section: '\u00a73',
    title: 'Example of Authorization Request with "authorization_details"',
    text: 'GET /authorize?response_type=code\n   &client_id=s6BhdRkqt3\n   &state=af0ifjsldkj\n   &redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb\n   &code_challenge_method=S256\n   &code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bwc-uCHaoeK1t8U\n   &authorization_details=%5B%7B%22type%22%3A%22account%5Finfo\n   rmation%22%2C%22actions%22%3A%5B%22list%5Faccounts%22%2C%22\n   read%5Fbalances%22%2C%22read%5Ftransactions%22%5D%2C%22loca\n   tions%22%3A%5B%22https%3A%2F%2Fexample%2Ecom%2Faccounts%22%\n   5D%7D%2C%7B%22type%22%3A%22payment%5Finitiation%22%2C%22act\n   ions%22%3A%5B%22initiate%22%2C%22status%22%2C%22cancel%22%5\n   D%2C%22locations%22%3A%5B%22https%3A%2F%2Fexample%2Ecom%2Fp\n   ayments%22%5D%2C%22instructedAmount%22%3A%7B%22currency%22%\n   3A%22EUR%22%2C%22amount%22%3A%22123%2E50%22%7D%2C%22credito\n   rName%22%3A%22Merchant%20A%22%2C%22creditorAccount%22%3A%7B\n   %22iban%22%3A%22DE02100100109307118603%22%7D%2C%22remittanc\n   eInformationUnstructured%22%3A%22Ref%20Number%20Merchant%22\n   %7D%5D HTTP/1.1\nHost: server.example.com\n',
  },
  {
    id: 'EX-9396-09',
    section: '\u00a73',
    title: 'URL Decoded "authorization_details"',
    text: '[\n   {\n      "type": "account_information",\n      "actions": [\n         "list_accounts",\n         "read_balances",\n         "read_transactions"\n      ],\n      "locations": [\n         "https://example.com/accounts"\n      ]\n   },\n   {\n      "type": "payment_initiation",\n      "actions": [\n         "initiate",\n         "status",\n         "cancel"\n      ],\n      "locations": [\n         "https://example.com/payments"\n      ],\n      "instructedAmount": {\n         "currency": "EUR",\n         "amount": "123.50"\n      },\n      "creditorName": "Merchant A",\n      "creditorAccount": {\n         "iban": "DE02100100109307118603"\n      },\n      "remittanceInformationUnstructured": "Ref Number Merchant"\n   }\n]\n',
  },
  {
    id: 'EX-9396-10',
    section: '\u00a76.1',
    title: 'Example of "authorization_details" Reduced Privileges',
    text: '[\n   {\n      "type": "account_information",\n      "actions": [\n         "list_accounts"\n      ],\n      "locations": [\n         "https://example.com/accounts"\n      ]\n   }\n]\n',
  },
  {
    id: 'EX-9396-11',
    section: '\u00a76.1',
    title: 'Example of "authorization_details" Requesting "write" Access to an API',
    text: '[\n    {\n        "type": "example_api",\n        "actions": [\n            "write"\n        ]\n    }\n]\n',
  },
  {
    id: 'EX-9396-12',
    section: '\u00a76.1',
    title: 'Example of "authorization_details" Requesting "read" Access to an API',
    text: '[\n    {\n        "type": "example_api",\n        "actions": [\n            "read"\n        ]\n    }\n]\n',
  },
  {
    id: 'EX-9396-13',
    section: '\u00a76.1',
    title: 'Example of "authorization_details" with "admin" Access to an API',
    text: '[\n    {\n        "type": "example_api",\n        "privileges": [\n            "admin"\n        ]\n    }\n]\n',
  },
  {
    id: 'EX-9396-14',
    section: '\u00a76.1',
    title: 'Example of "authorization_details" Requesting an Audience-Restricted Access Token',
    text: '[\n   {\n      "type": "payment_initiation",\n      "locations": [\n         "https://example.com/payments"\n      ]\n   }\n]\n',
  },
  {
    id: 'EX-9396-15',
    section: '\u00a77',
    title: 'Example Token Response',
    text: 'HTTP/1.1 200 OK\nContent-Type: application/json\nCache-Control: no-store\n\n{\n   "access_token": "2YotnFZFEjr1zCsicMWpAA",\n   "token_type": "example",\n   "expires_in": 3600,\n   "refresh_token": "tGzv3JOkF0XG5Qx2TlKWIA",\n   "authorization_details": [\n      {\n         "type": "payment_initiation",\n         "actions": [\n            "initiate",\n            "status",\n            "cancel"\n         ],\n         "locations": [\n            "https://example.com/payments"\n         ],\n         "instructedAmount": {\n            "currency": "EUR",\n            "amount": "123.50"\n         },\n         "creditorName": "Merchant A",\n         "creditorAccount": {\n            "iban": "DE02100100109307118603"\n         },\n         "remittanceInformationUnstructured": "Ref Number Merchant"\n      }\n   ]\n}\n',
  },
  {
    id: 'EX-9396-16',
    section: '\u00a77.1',
    title: 'Example of Requested "authorization_details"',
    text: '"authorization_details": [\n   {\n      "type": "account_information",\n      "access": {\n         "accounts": [],\n         "balances": [],\n         "transactions": []\n      },\n      "recurringIndicator":true\n   }\n]\n',
  },
  {
    id: 'EX-9396-17',
    section: '\u00a77.1',
    title: 'Example of Enriched "authorization_details"',
    text: 'HTTP/1.1 200 OK\nContent-Type: application/json\nCache-Control: no-store\n\n{\n   "access_token":"2YotnFZFEjr1zCsicMWpAA",\n   "token_type":"example",\n   "expires_in":3600,\n   "refresh_token":"tGzv3JokF0XG5Qx2TlKWIA",\n   "authorization_details":[\n      {\n         "type":"account_information",\n         "access":{\n            "accounts":[\n               {\n                  "iban":"DE2310010010123456789"\n               },\n               {\n                  "maskedPan":"123456xxxxxx1234"\n               }\n            ],\n            "balances":[\n               {\n                  "iban":"DE2310010010123456789"\n               }\n            ],\n            "transactions":[\n               {\n                  "iban":"DE2310010010123456789"\n               },\n               {\n                  "maskedPan":"123456xxxxxx1234"\n               }\n            ]\n         },\n         "recurringIndicator":true\n      }\n   ]\n}\n',
  },
  {
    id: 'EX-9396-18',
    section: '\u00a77.1',
    title: 'Example of Requested "authorization_details"',
    text: '{\n"authorization_details": [\n   {\n      "type": "medical_record",\n      "sens": [ "HIV", "ETH", "MART" ],\n      "actions": [ "read" ],\n      "datatypes": [ "Patient", "Observation", "Appointment" ]\n   }\n]}\n',
  },
  {
    id: 'EX-9396-19',
    section: '\u00a77.1',
    title: 'Example of Enriched "authorization_details"',
    text: '{\n   "access_token":"2YotnFZFEjr1zCsicMWpAA",\n   "token_type":"example",\n   "expires_in":3600,\n   "refresh_token":"tGzv3JokF0XG5Qx2TlKWIA",\n   "authorization_details":[\n    {\n      "type": "medical_record",\n      "sens": [ "HIV", "ETH", "MART" ],\n      "actions": [ "read" ],\n      "datatypes": [ "Patient", "Observation", "Appointment" ],\n      "identifier": "patient-541235",\n      "locations": [ "https://records.example.com/" ]\n     }\n  ]\n}\n',
  },
  {
    id: 'EX-9396-20',
    section: '\u00a79.1',
    title: 'Example of "authorization_details" in JWT-Based Access Token',
    text: '{\n   "iss": "https://as.example.com",\n   "sub": "24400320",\n   "aud": "a7AfcPcsl2",\n   "exp": 1311281970,\n   "acr": "psd2_sca",\n   "txn": "8b4729cc-32e4-4370-8cf0-5796154d1296",\n   "authorization_details": [\n      {\n         "type": "https://scheme.example.com/payment_initiation",\n         "actions": [\n            "initiate",\n            "status",\n            "cancel"\n         ],\n         "locations": [\n            "https://example.com/payments"\n         ],\n         "instructedAmount": {\n            "currency": "EUR",\n            "amount": "123.50"\n         },\n         "creditorName": "Merchant A",\n         "creditorAccount": {\n            "iban": "DE02100100109307118603"\n         },\n         "remittanceInformationUnstructured": "Ref Number Merchant"\n      }\n   ],\n   "debtorAccount": {\n      "iban": "DE40100100103307118608",\n      "user_role": "owner"\n   }\n}\n',
  },
  {
    id: 'EX-9396-21',
    section: '\u00a79.2',
    title: 'Example of "authorization_details" in Introspection Response',
    text: '{\n   "active": true,\n   "sub": "24400320",\n   "aud": "s6BhdRkqt3",\n   "exp": 1311281970,\n   "acr": "psd2_sca",\n   "txn": "8b4729cc-32e4-4370-8cf0-5796154d1296",\n   "authorization_details": [\n      {\n         "type": "https://scheme.example.com/payment_initiation",\n         "actions": [\n            "initiate",\n            "status",\n            "cancel"\n         ],\n         "locations": [\n            "https://example.com/payments"\n         ],\n         "instructedAmount": {\n            "currency": "EUR",\n            "amount": "123.50"\n         },\n         "creditorName": "Merchant123",\n         "creditorAccount": {\n            "iban": "DE02100100109307118603"\n         },\n         "remittanceInformationUnstructured": "Ref Number Merchant"\n      }\n   ],\n   "debtorAccount": {\n      "iban": "DE40100100103307118608",\n      "user_role": "owner"\n   }\n}\n',
  },
  {
    id: 'EX-9396-22',
    section: '\u00a710',
    title: 'Example of Server Metadata about the Supported Authorization Details',
    text: '{\n   ...\n   "authorization_details_types_supported":[\n      "payment_initiation",\n      "account_information"\n   ]\n}\n',
  },
  {
    id: 'EX-9396-23',
    section: '\u00a710',
    title: 'Example of Server Metadata about Authorization Details',
    text: '{\n   ...\n   "authorization_details_types":[\n      "payment_initiation"\n   ]\n}\n',
  },
  {
    id: 'EX-9396-24',
    section: '\u00a711.4',
    title: 'Example of Large Request including "authorization_details"',
    text: '  POST /as/par HTTP/1.1\n  Host: as.example.com\n  Content-Type: application/x-www-form-urlencoded\n  Authorization: Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3\n\n  response_type=code&\n  client_id=s6BhdRkqt3\n  &state=af0ifjsldkj\n  &redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb\n  &code_challenge_method=S256\n  &code_challenge=K2-ltc83acc4h0c9w6ESC_rEMTJ3bwc-uCHaoeK1t8U\n  &authorization_details=%5B%7B%22type%22%3A%22account_information%22\n  %2C%22actions%22%3A%5B%22list_accounts%22%2C%22read_balances%22%2C%\n  22read_transactions%22%5D%2C%22locations%22%3A%5B%22https%3A%2F%2Fe\n  xample.com%2Faccounts%22%5D%7D%2C%7B%22type%22%3A%22payment_initiat\n  ion%22%2C%22actions%22%3A%5B%22initiate%22%2C%22status%22%2C%22canc\n  el%22%5D%2C%22locations%22%3A%5B%22https%3A%2F%2Fexample.com%2Fpaym\n  ents%22%5D%2C%22instructedAmount%22%3A%7B%22currency%22%3A%22EUR%22\n  %2C%22amount%22%3A%22123.50%22%7D%2C%22creditorName%22%3A%22Merchan\n  t123%22%2C%22creditorAccount%22%3A%7B%22iban%22%3A%22DE021001001093\n  07118603%22%7D%2C%22remittanceInformationUnstructured%22%3A%22Ref%2\n  0Number%20Merchant%22%7D%5D\n',
  },
  {
    id: 'EX-9396-25',
    section: 'App. A.1',
    title: 'Example of OpenID Connect Request Utilizing "authorization_details"',
    text: '[\n   {\n      "type": "openid",\n      "locations": [\n         "https://op.example.com/userinfo"\n      ],\n      "claim_sets": [\n         "email",\n         "profile"\n      ]\n   }\n]\n',
  },
  {
    id: 'EX-9396-26',
    section: 'App. A.1',
    title: 'Advanced Example of OpenID Connect Request Utilizing "authorization_details"',
    text: '[\n   {\n      "type": "openid",\n      "locations": [\n         "https://op.example.com/userinfo"\n      ],\n      "max_age": 86400,\n      "acr_values": "urn:mace:incommon:iap:silver",\n      "claims": {\n         "userinfo": {\n            "given_name": {\n               "essential": true\n            },\n            "nickname": null,\n            "email": {\n               "essential": true\n            },\n            "email_verified": {\n               "essential": true\n            },\n            "picture": null,\n            "http://example.com/claims/groups": null\n         },\n         "id_token": {\n            "auth_time": {\n               "essential": true\n            }\n         }\n      }\n   }\n]\n',
  },
  {
    id: 'EX-9396-27',
    section: 'App. A.2',
    title: 'Example of Electronic Signing',
    text: '[\n   {\n      "type": "sign",\n      "locations": [\n         "https://signing.example.com/signdoc"\n      ],\n      "credentialID": "60916d31-932e-4820-ba82-1fcead1c9ea3",\n      "documentDigests": [\n         {\n            "hash": "sTOgwOm+474gFj0q0x1iSNspKqbcse4IeiqlDg/HWuI=",\n            "label": "Credit Contract"\n         },\n         {\n            "hash": "HZQzZmMAIWekfGH0/ZKW1nsdt0xg3H6bZYztgsMTLw0=",\n            "label": "Contract Payment Protection Insurance"\n         }\n      ],\n      "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1"\n   }\n]\n',
  },
  {
    id: 'EX-9396-28',
    section: 'App. A.3',
    title: 'Example of Tax Data Access',
    text: '[\n    {\n        "type": "tax_data",\n        "locations": [\n            "https://taxservice.govehub.no.example.com"\n        ],\n        "actions":"read_tax_declaration",\n        "periods": ["2018"],\n        "duration_of_access": 30,\n        "tax_payer_id": "23674185438934"\n    }\n]\n',
  },
  {
    id: 'EX-9396-29',
    section: 'App. A.4',
    title: 'eHealth Example',
    text: '"authorization_details": {\n    "type": "patient_record",\n    "requesting_entity": {\n        "type": "Practitioner",\n        "identifier": [\n        {\n            "system": "urn:oid:2.16.578.1.12.4.1.4.4",\n            "value": "1234567"\n        }],\n        "practitioner_role": {\n            "organization": {\n                "identifier": {\n                    "system": "urn:oid:2.16.578.1.12.4.1.2.101",\n                    "type": "ENH",\n                    "value": "[organizational number]"\n                }\n            }\n        }\n    }\n}\n',
  },
  {
    id: 'EX-9396-30',
    section: 'App. A.4',
    title: 'Advanced eHealth Example',
    text: '[\n   {\n      "type": "patient_record",\n      "location": "https://fhir.example.com/patient",\n      "actions": [\n         "read"\n      ],\n      "patient_identifier": [\n         {\n            "system": "urn:oid:2.16.578.1.12.4.1.4.1",\n            "value": "12345678901"\n         }\n      ],\n      "reason_for_request": "Clinical treatment",\n      "requesting_entity": {\n         "type": "Practitioner",\n         "identifier": [\n            {\n               "system": "urn:oid:2.16.578.1.12.4.1.4.4",\n               "value": "1234567"\n            }\n         ],\n         "practitioner_role": {\n            "organization": {\n               "identifier": [\n                  {\n                     "system": "urn:oid:2.16.578.1.12.4.1.2.101",\n                     "type": "ENH",\n                     "value": "<organizational number>"\n                  }\n               ],\n               "type": {\n                  "coding": [\n                     {\n                        "system":\n                           "http://hl7.example.org/fhir/org-type",\n                        "code": "dept",\n                        "display": "Hospital Department"\n                     }\n                  ]\n               },\n               "name": "Akuttmottak"\n            },\n            "profession": {\n               "coding": [\n                  {\n                     "system": "http://snomed.example.org/sct",\n                     "code": "36682004",\n                     "display": "Physical therapist"\n                  }\n               ]\n            }\n         }\n      }\n   }\n]\n',
  },
]

/** The example with the given digest id (throws if absent, so a typo fails the test). */
export function example(id: string): Rfc9396Example {
  const found = RFC9396_EXAMPLES.find((e) => e.id === id)
  if (!found) throw new Error(`no example ${id}`)
  return found
}
