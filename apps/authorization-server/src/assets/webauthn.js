// The browser side of the sign-in server's WebAuthn ceremonies, served as a file so pages run
// under `script-src 'self'`. Options come from a <script type="application/json"> element;
// the credential is serialised (base64url, as @simplewebauthn/server reads it) into the form's
// hidden input and the form is submitted.
const b64 = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
const unb64 = (text) =>
  Uint8Array.from(
    atob(text.replaceAll('-', '+').replaceAll('_', '/') + '==='.slice((text.length + 3) % 4)),
    (c) => c.charCodeAt(0),
  )
const credentialList = (list) => (list || []).map((c) => ({ ...c, id: unb64(c.id) }))

const MESSAGES = {
  NotAllowedError: 'The security key was not used, or the request timed out. Try again when ready.',
  InvalidStateError: 'This security key is already registered to your account.',
  SecurityError: 'This page cannot use security keys. Open it from the bank’s own address.',
  NotSupportedError: 'This browser or key does not support what the bank asks for.',
}

async function ceremony(kind, status) {
  const source = document.getElementById(
    kind === 'create' ? 'webauthn-creation-options' : 'webauthn-request-options',
  )
  const options = JSON.parse(source.textContent)
  try {
    let credential
    if (kind === 'create') {
      credential = await navigator.credentials.create({
        publicKey: {
          ...options,
          challenge: unb64(options.challenge),
          user: { ...options.user, id: unb64(options.user.id) },
          excludeCredentials: credentialList(options.excludeCredentials),
        },
      })
    } else {
      credential = await navigator.credentials.get({
        publicKey: {
          ...options,
          challenge: unb64(options.challenge),
          allowCredentials: credentialList(options.allowCredentials),
        },
      })
    }
    const r = credential.response
    const response =
      kind === 'create'
        ? {
            clientDataJSON: b64(r.clientDataJSON),
            attestationObject: b64(r.attestationObject),
            transports: r.getTransports ? r.getTransports() : [],
          }
        : {
            clientDataJSON: b64(r.clientDataJSON),
            authenticatorData: b64(r.authenticatorData),
            signature: b64(r.signature),
            userHandle: r.userHandle ? b64(r.userHandle) : undefined,
          }
    document.getElementById('webauthn-credential').value = JSON.stringify({
      id: credential.id,
      rawId: b64(credential.rawId),
      type: credential.type,
      response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    })
    document.getElementById('webauthn-form').submit()
  } catch (error) {
    status.textContent = MESSAGES[error?.name] || 'The security key did not complete. Try again.'
  }
}

const start = document.getElementById('webauthn-start')
const status = document.getElementById('webauthn-status')
if (start && status) {
  start.addEventListener('click', () => ceremony(start.dataset.ceremony, status))
}
