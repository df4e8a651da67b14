using Azure.Data.Tables;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Storage;

namespace FunctionsMfa.Functions.Sessions;

/// <summary>A session created by a completed sign-in, and its first token.</summary>
internal sealed record CreatedSession(string SessionId, string Token);

/// <summary>Records sessions (table <c>mfasessions</c>, partition = session id) and issues their tokens.</summary>
internal sealed class SessionStore(MfaStorage storage, SessionTokens tokens, TimeProvider time)
{
    /// <summary>One insert (one round trip), then a signed token.</summary>
    public async Task<CreatedSession> CreateAsync(
        string userId, IReadOnlyList<string> amr, DateTimeOffset firstFactorAt, DateTimeOffset? secondFactorAt, CancellationToken cancellationToken)
    {
        var sessionId = Ids.New("sess");
        var table = await storage.TableAsync(MfaTables.Sessions);
        await table.AddEntityAsync(
            new TableEntity(sessionId, "session")
            {
                ["UserId"] = userId,
                ["Amr"] = string.Join(' ', amr),
                ["CreatedAt"] = time.GetUtcNow(),
                ["FirstFactorAt"] = firstFactorAt,
                ["SecondFactorAt"] = secondFactorAt,
            },
            cancellationToken);
        return new CreatedSession(sessionId, tokens.Issue(userId, sessionId, amr, firstFactorAt, secondFactorAt));
    }
}
