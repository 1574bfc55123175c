using System.Collections.Concurrent;
using Flipkart.DevHost.Output;

namespace Flipkart.Storefront.Tests.Infrastructure;

/// <summary>Keeps the last lines of every process of the run, for the message of a failed start.</summary>
public sealed class TestOutputLog(int capacity = 20000) : IRunOutput
{
    private readonly ConcurrentQueue<string> _lines = new();

    public void Progress(string message) => Add($"devhost | {message}");

    public void AppLog(string source, string line, bool isError) => Add($"{source} | {LogLineFormatter.Render(line)}");

    public string Tail(int lines = 150) => string.Join(Environment.NewLine, _lines.TakeLast(lines));

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }
}
