using System.Collections.Concurrent;

namespace Flipkart.EmbeddedDapr.Extensibility;

/// <summary>A typed bag of cluster-wide shared objects, for modules that prefer it over cluster DI.</summary>
public sealed class ClusterFeatures
{
    private readonly ConcurrentDictionary<Type, object> items = new();

    public T GetOrAdd<T>(Func<T> factory) where T : class => (T)items.GetOrAdd(typeof(T), _ => factory());

    public T? Get<T>() where T : class => items.TryGetValue(typeof(T), out var v) ? (T)v : null;

    public void Set<T>(T value) where T : class => items[typeof(T)] = value;
}
