import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { findJava, parseJavaMajor } from '../../src/stack/java-runtime.js'

/** A folder with fake JDKs whose bin/java prints the given version, as a real one does. */
async function fakeJdks(versions: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'jdks-'))
  onTestFinished(() => rm(root, { recursive: true, force: true }))
  for (const [name, version] of Object.entries(versions)) {
    await mkdir(join(root, name, 'bin'), { recursive: true })
    const java = join(root, name, 'bin', 'java')
    await writeFile(java, `#!/bin/sh\necho 'openjdk version "${version}" 2025-01-01' >&2\n`)
    await chmod(java, 0o755)
  }
  return root
}

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "25" 2025-09-16 LTS', 25],
    ['openjdk version "21-ea" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "21.0.2+13-LTS"', 21],
  ])('reads %s as Java %i', (output, major) => {
    expect(parseJavaMajor(output)).toBe(major)
  })

  it('gives up on output that is not a JVM version', () => {
    expect(parseJavaMajor('bash: java: command not found')).toBeUndefined()
  })
})

describe('findJava', () => {
  it('takes the first explicit candidate that is new enough', async () => {
    const root = await fakeJdks({ old: '17.0.1', new: '21.0.3' })
    const java = await findJava({
      purpose: 'Apicurio Registry',
      minimumMajor: 21,
      candidates: [
        { path: join(root, 'old', 'bin', 'java'), source: 'JAVA_HOME' },
        { path: join(root, 'new', 'bin', 'java'), source: 'java on PATH' },
      ],
      searchDirs: [],
    })
    expect(java).toEqual({
      path: join(root, 'new', 'bin', 'java'),
      major: 21,
      source: 'java on PATH',
    })
  })

  it('falls back to the newest installed JDK that is new enough', async () => {
    const root = await fakeJdks({ 'jdk-17': '17.0.15', 'temurin-25': '25', 'jdk-21': '21.0.1' })
    const java = await findJava({
      purpose: 'Apicurio Registry',
      minimumMajor: 21,
      candidates: [{ path: join(root, 'jdk-17', 'bin', 'java'), source: 'java on PATH' }],
      searchDirs: [{ dir: root, javaPath: join('bin', 'java') }],
    })
    expect(java.path).toBe(join(root, 'temurin-25', 'bin', 'java'))
    expect(java.major).toBe(25)
  })

  it('refuses an explicit override that is too old instead of silently using another JDK', async () => {
    const root = await fakeJdks({ 'jdk-17': '17.0.15', 'jdk-25': '25' })
    await expect(
      findJava({
        purpose: 'Apicurio Registry',
        minimumMajor: 21,
        candidates: [
          {
            path: join(root, 'jdk-17', 'bin', 'java'),
            source: 'STACK_REGISTRY_JAVA_HOME',
            mustMatch: true,
          },
        ],
        searchDirs: [{ dir: root, javaPath: join('bin', 'java') }],
      }),
    ).rejects.toMatchObject({
      code: 'STACK_JAVA_MISSING',
      message: expect.stringContaining('STACK_REGISTRY_JAVA_HOME points at') as unknown,
    })
  })

  it('names every JVM it saw and the fix when none is new enough', async () => {
    const root = await fakeJdks({ 'jdk-17': '17.0.15' })
    const error = await findJava({
      purpose: 'Apicurio Registry',
      minimumMajor: 21,
      candidates: [{ path: join(root, 'missing', 'bin', 'java'), source: 'JAVA_HOME' }],
      searchDirs: [{ dir: root, javaPath: join('bin', 'java') }],
    }).catch((err: unknown) => err)
    expect(error).toMatchObject({ code: 'STACK_JAVA_MISSING' })
    const message = (error as Error).message
    expect(message).toContain('Apicurio Registry needs Java 21 or newer')
    expect(message).toContain('JAVA_HOME: no java')
    expect(message).toContain(`${join(root, 'jdk-17', 'bin', 'java')}: Java 17`)
    expect(message).toContain('STACK_REGISTRY_JAVA_HOME')
  })
})
