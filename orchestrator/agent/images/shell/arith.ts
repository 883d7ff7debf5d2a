/**
 * `$(( ))` arithmetic: integers, variables, `+ - * / %`, comparisons, `&& || !` and parentheses.
 */
export function evaluateArithmetic(expression: string, lookup: (name: string) => string): number {
  const source = expression.replace(
    /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
    (_m, name: string) => lookup(name) || '0',
  );
  const tokens = source.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|==|!=|<=|>=|&&|\|\||[-+*/%()<>!]|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = () => tokens[at++];
  const fail = (): never => {
    throw new Error(`arithmetic syntax error`);
  };

  const primary = (): number => {
    const token = take();
    if (token === undefined) return fail();
    if (token === '(') {
      const value = or();
      if (take() !== ')') fail();
      return value;
    }
    if (token === '-') return -primary();
    if (token === '+') return primary();
    if (token === '!') return primary() === 0 ? 1 : 0;
    if (/^\d+$/.test(token)) return Number.parseInt(token, 10);
    if (/^[A-Za-z_]/.test(token)) {
      const value = Number.parseInt(lookup(token) || '0', 10);
      return Number.isNaN(value) ? 0 : value;
    }
    return fail();
  };
  const binary =
    (next: () => number, ops: Record<string, (a: number, b: number) => number>) => (): number => {
      let value = next();
      while (peek() !== undefined && peek() in ops) {
        const op = take()!;
        value = ops[op](value, next());
      }
      return value;
    };
  const divide = (a: number, b: number) => {
    if (b === 0) throw new Error('divide by zero');
    return Math.trunc(a / b);
  };
  const multiplicative = binary(primary, {
    '*': (a, b) => a * b,
    '/': divide,
    '%': (a, b) => (b === 0 ? divide(a, b) : a % b),
  });
  const additive = binary(multiplicative, { '+': (a, b) => a + b, '-': (a, b) => a - b });
  const comparison = binary(additive, {
    '<': (a, b) => Number(a < b),
    '>': (a, b) => Number(a > b),
    '<=': (a, b) => Number(a <= b),
    '>=': (a, b) => Number(a >= b),
  });
  const equality = binary(comparison, { '==': (a, b) => Number(a === b), '!=': (a, b) => Number(a !== b) });
  const and = binary(equality, { '&&': (a, b) => Number(a !== 0 && b !== 0) });
  const or = binary(and, { '||': (a, b) => Number(a !== 0 || b !== 0) });

  if (tokens.length === 0) return 0;
  const result = or();
  if (at !== tokens.length) fail();
  return result;
}
