using System.Security.Cryptography;
using FunctionsMfa.Functions.Totp;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>
/// Secrets written under one key stay readable while that key is listed, are re-sealed under the newest key on their
/// next write, and keep working once the old key is removed. Three apps share one Azurite, as three deployments would.
/// </summary>
public sealed class TotpKeyRotationTests
{
    private static readonly string KeyA = "rotA:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = "rotB:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task A_secret_survives_rotation_and_is_resealed_under_the_newest_key_on_its_next_write()
    {
        var userId = Wire.NewUserId();

        // Key A only: enrol.
        string secret;
        DateTimeOffset now;
        await using (var onlyA = await StartAsync(KeyA))
        {
            secret = await onlyA.EnrolAsync(userId);
            now = onlyA.Time.GetUtcNow();
            Assert.Equal("rotA", (await onlyA.TotpEntityAsync(userId))!.GetString("KeyId"));
        }

        // Keys [B, A]: the record still reads (a wrong code is judged, not refused as unreadable, and nothing is written) ...
        await using (var rotated = await StartAsync(KeyB, KeyA))
        {
            rotated.Time.SetUtcNow(now.AddSeconds(30));
            var before = (await rotated.TotpEntityAsync(userId))!;
            Assert.Equal(TotpCheck.Incorrect, await rotated.VerifyAndConsumeAsync(userId, WrongCode(rotated.CodeAt(secret)), default));
            Assert.Equal(before.ETag, (await rotated.TotpEntityAsync(userId))!.ETag);
            Assert.Equal("rotA", (await rotated.TotpEntityAsync(userId))!.GetString("KeyId"));

            // ... and its next write re-seals it under B.
            Assert.Equal(TotpCheck.Accepted, await rotated.VerifyAndConsumeAsync(userId, rotated.CodeAt(secret), default));
            var resealed = (await rotated.TotpEntityAsync(userId))!;
            Assert.Equal("rotB", resealed.GetString("KeyId"));
            Assert.NotEqual(before.GetBinary("Ciphertext"), resealed.GetBinary("Ciphertext"));
        }

        // Key B only: A is gone and the secret still works.
        await using (var onlyB = await StartAsync(KeyB))
        {
            onlyB.Time.SetUtcNow(now.AddSeconds(60));
            Assert.Equal(TotpCheck.Accepted, await onlyB.VerifyAndConsumeAsync(userId, onlyB.CodeAt(secret), default));
        }
    }

    [Fact]
    public async Task A_secret_whose_key_was_removed_before_it_was_resealed_fails_loudly()
    {
        var userId = Wire.NewUserId();
        string secret;
        await using (var onlyA = await StartAsync(KeyA))
        {
            secret = await onlyA.EnrolAsync(userId);
        }

        await using var onlyB = await StartAsync(KeyB);
        onlyB.Time.Advance(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            onlyB.VerifyAndConsumeAsync(userId, onlyB.CodeAt(secret), default));
    }

    private static string WrongCode(string code) =>
        ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<KeyRingApp> StartAsync(params string[] keys)
    {
        var app = new KeyRingApp(keys);
        await app.InitializeAsync();
        return app;
    }

    private sealed class KeyRingApp(string[] keys) : MfaAppFactory
    {
        protected override void ConfigureSettings(IDictionary<string, string?> values)
        {
            foreach (var key in values.Keys.Where(k => k.StartsWith("Mfa:Encryption:Keys:", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                values.Remove(key);
            }

            for (var i = 0; i < keys.Length; i++)
            {
                values[$"Mfa:Encryption:Keys:{i}"] = keys[i];
            }
        }
    }
}
