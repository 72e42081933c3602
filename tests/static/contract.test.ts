import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandApiDocument } from '../../command-api/src/http/openapi.ts';
import { repoRoot } from '../../infra/src/stack-config.ts';
import { queryApiDocument } from '../../query-api/src/http/openapi.ts';

/**
 * docs/contract.md against the OpenAPI documents the services serve: every request of its tables
 * is an operation there, with the success and error codes it names and the fields it lists; and
 * every operation there is in the contract. The documents may say more, never less.
 */
const contract = readFileSync(join(repoRoot, 'docs', 'contract.md'), 'utf8');

type Document = typeof commandApiDocument;
type Schema = { $ref?: string; type?: unknown; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[] };

interface ContractRow {
  method: string;
  path: string;
  success: string;
  errors: string[];
  fields: string[];
}

function section(title: string): string {
  const start = contract.indexOf(`## ${title}`);
  expect(start, title).toBeGreaterThanOrEqual(0);
  const next = contract.indexOf('\n## ', start + 1);
  return contract.slice(start, next < 0 ? undefined : next);
}

/** Quoted names that are keys (not values after a colon) in a JSON-like sketch. */
function keysIn(sketch: string): string[] {
  return [...sketch.matchAll(/(^|[^:\s]\s*)"([A-Za-z]\w*)"/g)].map((m) => m[2]!);
}

function rows(text: string, defaultSuccess?: string): ContractRow[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, ''));
      const [method, target] = /^`([A-Z]+) ([^`\s]+)`/.exec(cells[0]!)!.slice(1);
      const path = target!.split('?')[0]!.replace(/:(\w+)/g, '{$1}');
      const leading = /^(\d{3})\b/.exec(cells[1]!)?.[1];
      const success = leading ?? defaultSuccess!;
      const codes = [cells[1]!, cells[2] ?? ''].join(' ').match(/\b[2-5]\d\d\b/g) ?? [];
      const errors = codes.filter((code) => code !== success && !code.startsWith('2'));
      const sketches = [...cells[1]!.matchAll(/`([^`]*)`/g)].map((m) => m[1]!);
      return { method: method!.toLowerCase(), path, success, errors, fields: sketches.flatMap(keysIn) };
    });
}

function resolve(document: Document, schema: Schema | undefined): Schema | undefined {
  if (!schema) return undefined;
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    return resolve(document, (document.components?.schemas as Record<string, Schema>)[name]);
  }
  if (schema.items) return resolve(document, schema.items);
  return schema;
}

function operation(document: Document, row: ContractRow) {
  const paths = document.paths as Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  return paths[row.path]?.[row.method];
}

const documents: [string, Document, ContractRow[]][] = [
  ['Command API', commandApiDocument, rows(section('Command API'))],
  ['Query API', queryApiDocument, rows(section('Query API'), '200')],
];

describe('docs/contract.md', () => {
  for (const [name, document, contractRows] of documents) {
    describe(name, () => {
      it('lists requests, with the fields of their answers', () => {
        expect(contractRows.length).toBeGreaterThanOrEqual(5);
        expect(contractRows.filter((row) => row.fields.length > 0).length).toBeGreaterThanOrEqual(4);
      });

      it.each(contractRows.map((row) => [`${row.method.toUpperCase()} ${row.path}`, row] as const))(
        '%s: the operation, its status codes and its fields are in the OpenAPI document',
        (_label, row) => {
          const op = operation(document, row);
          expect(op, 'operation').toBeDefined();
          expect(Object.keys(op!.responses)).toContain(row.success);
          for (const code of row.errors) expect(Object.keys(op!.responses), `status ${code}`).toContain(code);
          const body = resolve(document, op!.responses[row.success]!.content?.['application/json']?.schema);
          for (const field of row.fields) expect(Object.keys(body?.properties ?? {}), `field ${field}`).toContain(field);
        },
      );

      it('names every operation of the OpenAPI document', () => {
        const listed = new Set(contractRows.map((row) => `${row.method} ${row.path}`));
        for (const [path, methods] of Object.entries(document.paths ?? {})) {
          for (const method of Object.keys(methods as object)) expect(listed, `${method} ${path}`).toContain(`${method} ${path}`);
        }
      });
    });
  }

  it('describes every sync-status field the query API serves, and serves every one it describes', () => {
    const block = /`sync-status` keeps[\s\S]*?```\n([\s\S]*?)```/.exec(contract)![1]!;
    const added = /Added since:([\s\S]*?)`lagSeconds` is a number/.exec(contract)![1]!;
    const described = new Set([...keysIn(block), ...[...added.matchAll(/`([a-z]\w*)`,\s+the\b/g)].map((m) => m[1]!)]);
    const schema = resolve(queryApiDocument, { $ref: '#/components/schemas/SyncStatus' })!;
    const served = new Set(
      Object.entries(schema.properties!).flatMap(([key, value]) => [key, ...Object.keys(value.properties ?? {})]),
    );
    expect([...described].filter((key) => !served.has(key))).toEqual([]);
    expect([...served].filter((key) => !described.has(key))).toEqual([]);
  });

  it('is what the README points to', () => {
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain('(docs/contract.md)');
  });
});
