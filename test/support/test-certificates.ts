import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TestCertificates {
  readonly dir: string
  /** The CA that signed both certificates. */
  readonly ca: string
  /** A server certificate for IP 127.0.0.1, and its PKCS#8 key, in one PEM (Kafka's PEM keystore). */
  readonly serverKeystore: string
  readonly clientCert: string
  readonly clientKey: string
  /** A client certificate signed by another CA, which the broker must refuse. */
  readonly strangerCert: string
  readonly strangerKey: string
  remove(): Promise<void>
}

/** A throwaway CA, server and client certificates (P-256, valid two days), made with openssl. */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'moca-relay-tls-'))
  const file = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir })
  /** `openssl req` options for a new unencrypted P-256 key in `<name>.key`. */
  const newKey = (name: string) =>
    `-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ${name}.key`.split(' ')
  const newCa = (name: string) =>
    openssl(
      'req',
      '-x509',
      ...newKey(name),
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-subj',
      `/CN=${name}`,
    )
  const signed = async (name: string, ca: string, subject: string, extensions: string) => {
    await writeFile(file(`${name}.ext`), `${extensions}\n`)
    await openssl('req', ...newKey(name), '-out', `${name}.csr`, '-subj', subject)
    // file names without spaces (the temp folder is the cwd), so one string splits safely
    await openssl(
      ...`x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}.key -CAcreateserial -days 2 -extfile ${name}.ext -out ${name}.crt`.split(
        ' ',
      ),
    )
  }
  await newCa('test-ca')
  await newCa('stranger-ca')
  await signed('server', 'test-ca', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1')
  await signed('client', 'test-ca', '/CN=moca-relay', 'extendedKeyUsage=clientAuth')
  await signed('stranger', 'stranger-ca', '/CN=stranger', 'extendedKeyUsage=clientAuth')
  await writeFile(
    file('server-keystore.pem'),
    `${await readFile(file('server.key'), 'utf8')}${await readFile(file('server.crt'), 'utf8')}`,
  )
  return {
    dir,
    ca: file('test-ca.pem'),
    serverKeystore: file('server-keystore.pem'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    strangerCert: file('stranger.crt'),
    strangerKey: file('stranger.key'),
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}
