/**
 * The least a config file holds: a MocaChain partner with its key file and one route, kyc on
 * kyc.completed. Everything else, Kafka included, comes from the defaults.
 */
export const minimalConfig = {
  moca: { partnerId: 'partner-1', key: { kid: 'k1', file: 'keys/partner.pem' } },
  routes: [
    {
      name: 'kyc',
      topics: ['kyc.completed'],
      program: { issuerDid: 'did:air:x', credentialId: 'c1' },
      credentialSubject: { level: 'level' },
    },
  ],
}
