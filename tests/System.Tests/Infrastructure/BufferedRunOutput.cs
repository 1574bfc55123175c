using System.Collections.Concurrent;
using Flipkart.DevHost.Output;

namespace Flipkart.SystemTests.Infrastructure;

/// <summary>Keeps the last lines of a local run so a failing start-up or test can show what the services said.</summary>
public sealed class BufferedRunOutput(int capacity = 4000) : IRunOutput
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Progress(string message) => Add($"devhost | {message}");

    public void AppLog(string source, string line, bool isError) => Add($"{source} | {LogLineFormatter.Render(line)}");

    public IReadOnlyList<string> Lines => _lines.ToArray();

    public string Tail(int lines = 200) => string.Join(Environment.NewLine, _lines.TakeLast(lines));

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }
}
