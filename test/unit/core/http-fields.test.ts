// fieldRecord: raw field lines → lower-cased names, repeats as arrays in order;
// names like Object's members are ordinary fields (the probers' replies use it as is).
import t from 'tap';
import { fieldRecord } from '../../../src/core/http-fields.js';

t.test('names lower-cased, a repeated field as an array in the order received', async (t) => {
  t.same(fieldRecord(['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'set-cookie', 'b=2', 'SET-COOKIE', 'c=3']), { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2', 'c=3'] });
});

t.test('Constructor and __proto__ are fields, read and written as own properties', async (t) => {
  const r = fieldRecord(['Constructor', 'x', '__proto__', 'p', 'constructor', 'y']);
  t.same(r['constructor'], ['x', 'y']);
  t.equal(Object.getOwnPropertyDescriptor(r, '__proto__')?.value, 'p');
  t.equal(Object.getPrototypeOf(r), Object.prototype);
});
