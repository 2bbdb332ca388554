import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatasetError, parseDataset, readDataset } from '../../src/eval/read-dataset.js'
import { sampleDatasetPath } from '../../src/eval/eval-command.js'

const problemsOf = (run: () => unknown): string[] => {
  try {
    run()
  } catch (error) {
    if (error instanceof DatasetError) return error.problems
    throw error
  }
  throw new Error('expected a DatasetError')
}

describe('reading datasets', () => {
  it('reads questions, messages, GSM8K answers and multiple choice (letter, 0-based index, choice text)', () => {
    const jsonl = [
      JSON.stringify({ id: 'q1', question: 'What is 6 * 7?', answer: '42' }),
      JSON.stringify({ question: 'Natalia sold 48 clips...', answer: 'She sold 48 / 2 = 24 in May.\n#### 1,072' }),
      JSON.stringify({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Capital of France?' },
        ],
        answer: 'Paris',
      }),
      JSON.stringify({ id: 7, question: 'Pick the even one', choices: ['3', '4', '5'], answer: 'b' }),
      JSON.stringify({ question: 'Pick the prime', choices: ['4', '6', '7'], answer: 2 }),
      JSON.stringify({ question: 'Pick four', choices: ['3', '4', '5'], answer: '4' }),
      '',
    ].join('\n')
    const items = parseDataset(jsonl, 'jsonl', 'inline.jsonl')
    expect(items.map((item) => [item.id, item.expected])).toEqual([
      ['q1', '42'],
      ['2', '1072'],
      ['3', 'Paris'],
      ['7', 'B'],
      ['5', 'C'],
      ['6', 'B'],
    ])
    expect(items[2]?.messages).toHaveLength(2)
    expect(items[2]?.question).toBe('Capital of France?')
    // the model sees the options lettered after the question
    expect(items[3]?.question).toBe('Pick the even one\n\nA. 3\nB. 4\nC. 5\n\nAnswer with the letter of the right choice.')
    expect(items[3]?.messages).toEqual([{ role: 'user', content: items[3]?.question }])
  })

  it('reads CSV with quoted cells, JSON or pipe-separated choices and line numbers of multi-line records', () => {
    const csv =
      'id,question,answer,choices\n' +
      'a,"Add 2, then 3: what is 1 + 2 + 3?",6,\n' +
      'b,"A question\nover two lines",B,"[""x"",""y""]"\n' +
      'c,Which is largest?,C,1|2|3\n'
    const items = parseDataset(csv, 'csv', 'inline.csv')
    expect(items.map((item) => [item.id, item.expected, item.choices])).toEqual([
      ['a', '6', undefined],
      ['b', 'B', ['x', 'y']],
      ['c', 'C', ['1', '2', '3']],
    ])
    expect(items.map((item) => item.line)).toEqual([2, 4, 5])
    expect(problemsOf(() => parseDataset('id,question,answer\nx,"Is 1 < 2?,yes\n', 'csv', 'bad.csv'))[0]).toMatch(/^line \d+: .*quote/i)
  })

  it('lists every malformed row with its line number, and accepts none of the file', () => {
    const jsonl = [
      JSON.stringify({ question: 'fine', answer: '1' }),
      '{"question": "broken',
      JSON.stringify({ question: 'no answer' }),
      JSON.stringify({ question: 'both', messages: [{ role: 'user', content: 'x' }], answer: '1' }),
      '',
      JSON.stringify({ question: 'bad letter', choices: ['x', 'y'], answer: 'D' }),
      JSON.stringify({ id: 'dup', question: 'a', answer: '1' }),
      JSON.stringify({ id: 'dup', question: 'b', answer: '2' }),
      JSON.stringify({ messages: [{ role: 'system', content: 'only a system message' }], answer: '1' }),
      JSON.stringify({ question: 'one choice', choices: ['x'], answer: 'A' }),
      '[1, 2]',
    ].join('\n')
    const problems = problemsOf(() => parseDataset(jsonl, 'jsonl', 'bad.jsonl'))
    expect(problems).toEqual([
      expect.stringMatching(/^line 2: not valid JSON/),
      'line 3: answer: is required',
      'line 4: needs either `question` or `messages` (not both)',
      expect.stringMatching(/^line 6: answer: 'D' is not one of the 2 choices/),
      "line 8: id 'dup' is already used on line 7",
      'line 9: messages: needs a user message',
      expect.stringMatching(/^line 10: choices: /),
      expect.stringMatching(/^line 11: /),
    ])
    expect(problemsOf(() => parseDataset('\n\n', 'jsonl', 'empty.jsonl'))).toEqual(['line 1: the file holds no items'])
  })

  it('reads files by extension and names a file that cannot be read', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'optiproxy-dataset-'))
    await writeFile(join(folder, 'q.csv'), '\uFEFFquestion,answer\nWhat is 2 + 2?,4\n')
    expect((await readDataset(join(folder, 'q.csv')))[0]).toMatchObject({ id: '1', expected: '4', line: 2 })
    await expect(readDataset(join(folder, 'missing.jsonl'))).rejects.toThrow(/missing\.jsonl: 1 problem, nothing was run:\n {2}cannot be read/)
  })

  it('ships a sample of 50 to 100 items: arithmetic word problems and multiple-choice logic questions', async () => {
    const items = await readDataset(sampleDatasetPath)
    expect(items.length).toBeGreaterThanOrEqual(50)
    expect(items.length).toBeLessThanOrEqual(100)
    const choice = items.filter((item) => item.choices !== undefined)
    expect(choice.length).toBeGreaterThanOrEqual(20)
    expect(items.length - choice.length).toBeGreaterThanOrEqual(30)
    for (const item of items.filter((entry) => entry.choices === undefined)) expect(Number.isFinite(Number(item.expected))).toBe(true)
  })
})
