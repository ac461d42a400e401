/**
 * docs/api.md (and docs/lacp.md for LACP) keeps up with the public surface: every runtime export of
 * lib/index.ts is documented (functions and classes in a heading, constants
 * named, errors in the errors table with their code); every public method of
 * an exported class has a heading with its signature (`FrameBatch.packed(`,
 * `team.selectBatch(`), every public constructor a `new Name(` heading, every
 * public property a mention (`.count`); every error code of lib/errors.ts is
 * in the table, and the table holds no other. Members marked @internal are
 * exempt. Classes are read from the TypeScript sources (the compiler's parser).
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as errors from '../lib/errors.js';
import * as api from '../lib/index.js';

// the API reference is docs/api.md, with LACP in its own page
const doc = ['api.md', 'lacp.md'].map((f) => readFileSync(new URL(`../docs/${f}`, import.meta.url), 'utf8')).join('\n');
const headings = doc.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => l.replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
const errorRows = doc.split('\n').filter((l) => /^\| `ERR_LAGHASH_\w+` \|/.test(l));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const inHeading = (re: RegExp) => headings.some((h) => re.test(h));

type ErrorClass = new (a: never, b: never) => errors.LaghashError;
const isErrorClass = (v: unknown): v is ErrorClass => v === errors.LaghashError || (typeof v === 'function' && v.prototype instanceof errors.LaghashError);
/** The code an error class gives its errors. */
const codeOf = (C: ErrorClass) => new C('x' as never, 'x' as never).code;

interface Member { name: string; kind: 'method' | 'constructor' | 'property'; isStatic: boolean }

/** The public members of every class declared in lib/*.ts that index.ts or errors.ts exports. */
function classMembers(): Map<string, Member[]> {
  const files = new Set(['errors.ts']);
  const index = readFileSync(new URL('../lib/index.ts', import.meta.url), 'utf8');
  for (const m of index.matchAll(/from '\.\/([\w-]+)\.js'/g)) files.add(`${m[1]}.ts`);
  const classes = new Map<string, Member[]>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(new URL(`../lib/${file}`, import.meta.url), 'utf8'), ts.ScriptTarget.Latest, true);
    for (const node of source.statements) {
      if (!ts.isClassDeclaration(node) || !node.name) continue;
      const members: Member[] = [];
      for (const m of node.members) {
        const flags = ts.getCombinedModifierFlags(m);
        const internal = ts.getJSDocTags(m).some((t) => t.tagName.text === 'internal');
        if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected) || internal) continue;
        if (m.name && ts.isPrivateIdentifier(m.name)) continue;
        const kind = ts.isConstructorDeclaration(m) ? 'constructor' : ts.isMethodDeclaration(m) ? 'method' : 'property';
        members.push({ name: m.name ? m.name.getText(source) : 'constructor', kind, isStatic: (flags & ts.ModifierFlags.Static) !== 0 });
      }
      // no constructor written: the default one is public
      if (!node.members.some(ts.isConstructorDeclaration)) members.push({ name: 'constructor', kind: 'constructor', isStatic: false });
      classes.set(node.name.text, members);
    }
  }
  return classes;
}

describe('docs/api.md', () => {
  const exported = Object.entries(api);
  const classes = classMembers();

  it('sees the public surface (the checks below are not vacuous)', () => {
    expect(exported.length).toBeGreaterThan(30);
    expect(classes.get('Team')?.filter((m) => m.kind === 'method').length).toBeGreaterThan(10);
    expect(headings.length).toBeGreaterThan(20);
  });

  it('has a heading for every exported function and class, and names every exported constant', () => {
    const missing = exported.filter(([name, value]) => {
      if (isErrorClass(value)) return false;  // the errors table, below
      if (typeof value === 'function') return !inHeading(new RegExp(`(^|[^\\w.])${escape(name)}\\b`));
      return !doc.includes(`\`${name}\``) && !inHeading(new RegExp(`\\b${escape(name)}\\b`));
    });
    expect(missing.map(([name]) => name)).toEqual([]);
  });

  it('has a signature heading for every public method and constructor, and mentions every public property', () => {
    const missing: string[] = [];
    for (const [name, value] of exported) {
      const members = classes.get(name);
      if (typeof value !== 'function' || !members || isErrorClass(value)) continue;  // errors: below
      for (const m of members) {
        const ok =
          m.kind === 'constructor' ? inHeading(new RegExp(`\\bnew ${escape(name)}\\(`))
          : m.kind === 'method' ? inHeading(new RegExp(m.isStatic ? `\\b${escape(name)}\\.${escape(m.name)}\\(` : `\\w\\.${escape(m.name)}\\(`))
          : new RegExp(`\\.${escape(m.name)}\\b`).test(doc);
        if (!ok) missing.push(`${name} ${m.kind} ${m.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists every error class with its code, its own properties, and every code of lib/errors.ts', () => {
    const source = readFileSync(new URL('../lib/errors.ts', import.meta.url), 'utf8');
    const codes = [...new Set(source.match(/ERR_LAGHASH_\w+/g))].sort();
    const documented = errorRows.map((row) => /^\| `(ERR_LAGHASH_\w+)` \| `(\w+)` \|/.exec(row)).map((m) => (m ? `${m[1]} ${m[2]}` : 'a malformed row'));
    const classesByCode = Object.entries(errors).filter(([, v]) => isErrorClass(v) && v !== errors.LaghashError)
      .map(([name, C]) => `${codeOf(C as ErrorClass)} ${name}`);
    expect(documented.map((d) => d.split(' ')[0]).sort()).toEqual(codes);
    expect(documented.sort()).toEqual(classesByCode.sort());
    for (const [name, C] of Object.entries(errors)) {
      if (!isErrorClass(C)) continue;
      for (const m of classes.get(name) ?? []) if (m.kind === 'property') expect([name, doc.includes(`\`.${m.name}\``) || doc.includes(`\`${m.name}\``)]).toEqual([name, true]);
    }
  });
});
