namespace Flipkart.ServiceDefaults;

/// <summary>
/// Counts what each user holds open at once (long-lived streams), so one client cannot hold them all: <see cref="TryEnter"/>
/// takes a slot unless the user already has <c>max</c>, <see cref="Exit"/> gives it back. Per process (per replica).
/// </summary>
public sealed class PerUserSlots
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    public int Open(string userId)
    {
        lock (_open)
        {
            return _open.GetValueOrDefault(userId);
        }
    }

    public bool TryEnter(string userId, int max)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(userId);
            if (open >= max)
            {
                return false;
            }
            _open[userId] = open + 1;
            return true;
        }
    }

    public void Exit(string userId)
    {
        lock (_open)
        {
            if (_open.TryGetValue(userId, out var open) && open > 1)
            {
                _open[userId] = open - 1;
            }
            else
            {
                _open.Remove(userId);
            }
        }
    }
}
