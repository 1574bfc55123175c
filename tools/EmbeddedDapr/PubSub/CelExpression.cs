using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flipkart.EmbeddedDapr.PubSub;

/// <summary>Raised at start-up for a CEL expression outside the supported subset; the message names the expression.</summary>
public sealed class CelParseException(string expression, string reason)
    : Exception($"unsupported or invalid CEL expression '{expression}': {reason}")
{
    public string Expression { get; } = expression;
}

/// <summary>
/// The subset of CEL that routing rules and circuit-breaker trips need: field paths rooted at declared variables
/// (<c>event.type</c>, <c>event.data.a.b</c>, <c>event.data["k"]</c>, <c>consecutiveFailures</c>), string / number /
/// bool / null literals, <c>== != &lt; &lt;= &gt; &gt;=</c>, <c>&amp;&amp; || !</c> and parentheses. Anything else (function
/// calls, macros, arithmetic, <c>in</c>) is rejected at parse time instead of being guessed at. Evaluation follows CEL:
/// heterogeneous equality is false, a missing map key is an error, and <c>&amp;&amp;</c>/<c>||</c> absorb errors when the
/// other side decides the result.
/// </summary>
public sealed class CelExpression
{
    private readonly Node _root;

    private CelExpression(string source, Node root)
    {
        Source = source;
        _root = root;
    }

    public string Source { get; }

    public static CelExpression Parse(string source, IReadOnlyCollection<string> variables)
    {
        var tokens = Lexer.Tokenize(source);
        var parser = new Parser(source, tokens, variables);
        var root = parser.ParseExpression();
        parser.ExpectEnd();
        return new CelExpression(source, root);
    }

    /// <summary>Evaluates to a bool; any evaluation error or non-bool result is returned as an error message.</summary>
    public bool TryEvaluate(Func<string, object?> variable, out bool result, out string? error)
    {
        var value = _root.Eval(variable);
        switch (value)
        {
            case bool b:
                result = b;
                error = null;
                return true;
            case CelError e:
                result = false;
                error = e.Message;
                return false;
            default:
                result = false;
                error = $"expression '{Source}' did not evaluate to a bool";
                return false;
        }
    }

    /// <summary>Binds <c>event</c> to a CloudEvent JSON object.</summary>
    public bool TryEvaluateEvent(JsonElement cloudEvent, out bool result, out string? error) =>
        TryEvaluate(name => name == "event" ? cloudEvent : new CelError($"undeclared reference to '{name}'"), out result, out error);

    private sealed record CelError(string Message);

    private abstract record Node
    {
        public abstract object? Eval(Func<string, object?> variable);
    }

    private sealed record Literal(object? Value) : Node
    {
        public override object? Eval(Func<string, object?> variable) => Value;
    }

    private sealed record PathNode(string Root, IReadOnlyList<string> Fields) : Node
    {
        public override object? Eval(Func<string, object?> variable)
        {
            var current = Normalize(variable(Root));
            foreach (var field in Fields)
            {
                if (current is CelError)
                {
                    return current;
                }

                if (current is not JsonElement { ValueKind: JsonValueKind.Object } obj)
                {
                    return new CelError($"no such key: {field}");
                }

                if (!obj.TryGetProperty(field, out var next))
                {
                    return new CelError($"no such key: {field}");
                }

                current = Normalize(next);
            }

            return current;
        }
    }

    private sealed record NotNode(Node Operand) : Node
    {
        public override object? Eval(Func<string, object?> variable) => Operand.Eval(variable) switch
        {
            bool b => !b,
            CelError e => e,
            _ => new CelError("no such overload: !_"),
        };
    }

    private sealed record LogicalNode(bool IsAnd, Node Left, Node Right) : Node
    {
        public override object? Eval(Func<string, object?> variable)
        {
            var left = Left.Eval(variable);
            // The short-circuit value decides regardless of the other side, as in CEL's commutative logic.
            if (left is bool lb && lb != IsAnd)
            {
                return lb;
            }

            var right = Right.Eval(variable);
            if (right is bool rb && rb != IsAnd)
            {
                return rb;
            }

            if (left is bool && right is bool)
            {
                return IsAnd;
            }

            return left as CelError ?? right as CelError ?? new CelError(IsAnd ? "no such overload: _&&_" : "no such overload: _||_");
        }
    }

    private sealed record CompareNode(string Op, Node Left, Node Right) : Node
    {
        public override object? Eval(Func<string, object?> variable)
        {
            var left = Left.Eval(variable);
            if (left is CelError)
            {
                return left;
            }

            var right = Right.Eval(variable);
            if (right is CelError)
            {
                return right;
            }

            switch (Op)
            {
                case "==":
                    return ValueEquals(left, right);
                case "!=":
                    return !ValueEquals(left, right);
            }

            int? order = (left, right) switch
            {
                (double a, double b) => a.CompareTo(b),
                (string a, string b) => string.CompareOrdinal(a, b),
                _ => null,
            };
            if (order is null)
            {
                return new CelError($"no such overload: _{Op}_");
            }

            return Op switch
            {
                "<" => order < 0,
                "<=" => order <= 0,
                ">" => order > 0,
                _ => order >= 0,
            };
        }

        private static bool ValueEquals(object? a, object? b) => (a, b) switch
        {
            (null, null) => true,
            (double x, double y) => x == y,
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            (bool x, bool y) => x == y,
            (JsonElement x, JsonElement y) => JsonElement.DeepEquals(x, y),
            _ => false,
        };
    }

    /// <summary>JSON scalars become CEL values; objects and arrays stay JSON.</summary>
    private static object? Normalize(object? value) => value switch
    {
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
        JsonElement { ValueKind: JsonValueKind.True } => true,
        JsonElement { ValueKind: JsonValueKind.False } => false,
        JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        int i => (double)i,
        long l => (double)l,
        _ => value,
    };

    private enum TokenKind { Identifier, String, Number, Symbol, End }

    private sealed record Token(TokenKind Kind, string Text, object? Value, int Position);

    private static class Lexer
    {
        private static readonly string[] Symbols = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", ".", "[", "]"];

        public static List<Token> Tokenize(string source)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (i < source.Length)
            {
                var c = source[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                    continue;
                }

                if (char.IsLetter(c) || c == '_')
                {
                    var start = i;
                    while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '_'))
                    {
                        i++;
                    }

                    tokens.Add(new Token(TokenKind.Identifier, source[start..i], null, start));
                    continue;
                }

                if (char.IsDigit(c) || (c == '-' && i + 1 < source.Length && char.IsDigit(source[i + 1])))
                {
                    var start = i++;
                    while (i < source.Length && (char.IsDigit(source[i]) || source[i] is '.' or 'e' or 'E'
                               || (source[i] is '+' or '-' && source[i - 1] is 'e' or 'E')))
                    {
                        i++;
                    }

                    var text = source[start..i];
                    if (i < source.Length && source[i] is 'u' or 'U')
                    {
                        i++; // CEL unsigned literal: same numeric value for our comparisons
                    }

                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                    {
                        throw new CelParseException(source, $"invalid number '{text}' at position {start}");
                    }

                    tokens.Add(new Token(TokenKind.Number, text, number, start));
                    continue;
                }

                if (c is '"' or '\'')
                {
                    tokens.Add(ReadString(source, ref i));
                    continue;
                }

                var symbol = Symbols.FirstOrDefault(s => string.CompareOrdinal(source, i, s, 0, s.Length) == 0);
                if (symbol is null)
                {
                    throw new CelParseException(source, $"unsupported character '{c}' at position {i}");
                }

                tokens.Add(new Token(TokenKind.Symbol, symbol, null, i));
                i += symbol.Length;
            }

            tokens.Add(new Token(TokenKind.End, "", null, source.Length));
            return tokens;
        }

        private static Token ReadString(string source, ref int i)
        {
            var quote = source[i];
            var start = i++;
            var sb = new StringBuilder();
            while (i < source.Length && source[i] != quote)
            {
                if (source[i] == '\\' && i + 1 < source.Length)
                {
                    i++;
                    sb.Append(source[i] switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        _ => source[i],
                    });
                }
                else
                {
                    sb.Append(source[i]);
                }

                i++;
            }

            if (i >= source.Length)
            {
                throw new CelParseException(source, $"unterminated string starting at position {start}");
            }

            i++;
            return new Token(TokenKind.String, source[start..i], sb.ToString(), start);
        }
    }

    private sealed class Parser(string source, List<Token> tokens, IReadOnlyCollection<string> variables)
    {
        private int _position;

        private Token Current => tokens[_position];

        public Node ParseExpression()
        {
            var left = ParseAnd();
            while (Accept("||"))
            {
                left = new LogicalNode(false, left, ParseAnd());
            }

            return left;
        }

        public void ExpectEnd()
        {
            if (Current.Kind != TokenKind.End)
            {
                throw Fail($"unexpected '{Current.Text}' at position {Current.Position}");
            }
        }

        private Node ParseAnd()
        {
            var left = ParseRelation();
            while (Accept("&&"))
            {
                left = new LogicalNode(true, left, ParseRelation());
            }

            return left;
        }

        private Node ParseRelation()
        {
            var left = ParseUnary();
            if (Current.Kind == TokenKind.Symbol && Current.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                var op = Current.Text;
                _position++;
                var right = ParseUnary();
                if (Current.Kind == TokenKind.Symbol && Current.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
                {
                    throw Fail("chained comparisons are not supported; use parentheses and && instead");
                }

                return new CompareNode(op, left, right);
            }

            return left;
        }

        private Node ParseUnary()
        {
            if (Accept("!"))
            {
                return new NotNode(ParseUnary());
            }

            return ParsePrimary();
        }

        private Node ParsePrimary()
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.String:
                case TokenKind.Number:
                    _position++;
                    return new Literal(token.Value);
                case TokenKind.Symbol when token.Text == "(":
                    _position++;
                    var inner = ParseExpression();
                    if (!Accept(")"))
                    {
                        throw Fail($"expected ')' at position {Current.Position}");
                    }

                    return inner;
                case TokenKind.Identifier:
                    return ParsePath();
                default:
                    throw Fail(token.Kind == TokenKind.End
                        ? "unexpected end of expression"
                        : $"unexpected '{token.Text}' at position {token.Position}");
            }
        }

        private Node ParsePath()
        {
            var root = Current;
            _position++;
            switch (root.Text)
            {
                case "true":
                    return new Literal(true);
                case "false":
                    return new Literal(false);
                case "null":
                    return new Literal(null);
            }

            if (Current.Kind == TokenKind.Symbol && Current.Text == "(")
            {
                throw Fail($"function '{root.Text}' is not supported");
            }

            if (!variables.Contains(root.Text))
            {
                throw Fail($"undeclared reference to '{root.Text}' (declared: {string.Join(", ", variables)})");
            }

            var fields = new List<string>();
            while (true)
            {
                if (Accept("."))
                {
                    if (Current.Kind != TokenKind.Identifier)
                    {
                        throw Fail($"expected a field name at position {Current.Position}");
                    }

                    var name = Current.Text;
                    _position++;
                    if (Current.Kind == TokenKind.Symbol && Current.Text == "(")
                    {
                        throw Fail($"method '{name}' is not supported");
                    }

                    fields.Add(name);
                }
                else if (Accept("["))
                {
                    if (Current.Kind != TokenKind.String)
                    {
                        throw Fail("only string keys are supported inside [ ]");
                    }

                    fields.Add((string)Current.Value!);
                    _position++;
                    if (!Accept("]"))
                    {
                        throw Fail($"expected ']' at position {Current.Position}");
                    }
                }
                else
                {
                    return new PathNode(root.Text, fields);
                }
            }
        }

        private bool Accept(string symbol)
        {
            if (Current.Kind == TokenKind.Symbol && Current.Text == symbol)
            {
                _position++;
                return true;
            }

            return false;
        }

        private CelParseException Fail(string reason) => new(source, reason);
    }
}
