/**
 * Progress lines for a person ("Downloading …", "Kafka broker ready"). The CLI prints them, the
 * test harness prefixes them, unit tests collect or drop them.
 */
export type StackReporter = (line: string) => void

export const silentReporter: StackReporter = () => undefined
