/**
 * The keys of a JSON object text's top level that occur more than once. JSON.parse keeps the last
 * of them silently, so a test that parses a log line cannot see what a log shipper may choke on.
 */
export function duplicateTopLevelKeys(json: string): string[] {
  const seen = new Set<string>()
  const duplicates: string[] = []
  let depth = 0
  let expectKey = false
  for (let i = 0; i < json.length; i++) {
    const c = json[i]
    if (c === '"') {
      let end = i + 1
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1
      if (depth === 1 && expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string
        if (seen.has(key)) duplicates.push(key)
        seen.add(key)
        expectKey = false
      }
      i = end
    } else if (c === '{' || c === '[') {
      depth++
      expectKey = depth === 1 && c === '{'
    } else if (c === '}' || c === ']') {
      depth--
    } else if (c === ',' && depth === 1) {
      expectKey = true
    }
  }
  return duplicates
}
