using System.Net;
using System.Text.Json;
using Azure.Core;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;
using FunctionsMfa.Tests.Sms;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsMfa.Tests.Security;

/// <summary>The app with <see cref="StorageFaults"/> in its storage clients (and the recording SMS provider).</summary>
public sealed class FaultAppFactory : PhoneAppFactory
{
    public StorageFaults Faults { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        base.ConfigureTestServices(services);
        services.AddSingleton(new StoragePolicy(Faults, HttpPipelinePosition.PerCall));
    }
}

/// <summary>
/// All or nothing, for every storage request of each write path: the Nth request fails (for every N the path makes),
/// the answer is a storage error in the envelope (never a success with something left unwritten), what is stored is
/// checked, and the same request sent again succeeds.
/// </summary>
[Collection(SmsQueueCollection.Name)]
public sealed class StorageFaultTests(FaultAppFactory app) : IClassFixture<FaultAppFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => app.ClearSmsQueueAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Totp_enrolment_never_leaves_the_factor_enabled_without_its_backup_codes()
    {
        await ForEveryStorageRequestAsync(
            async () =>
            {
                var userId = Wire.NewUserId();
                var client = app.ClientWithToken(app.SessionToken(userId));
                var created = await (await client.PostAsync("/v1/me/totp", null)).JsonAsync();
                return (userId, client, created.GetProperty("secret").GetString()!);
            },
            setup => setup.client.PostJsonAsync("/v1/me/totp/attempt_verification", new { code = app.TotpCode(setup.Item3) }),
            async (setup, _) =>
            {
                var rows = await Totp.TotpApi.PartitionAsync(app, setup.userId);
                var verified = rows["totp"].GetBoolean("Verified") == true;
                var codes = BackupCodes.BackupCodeTests.CodesIn(rows.GetValueOrDefault("bcset"));
                Assert.True(verified ? codes == 10 : codes == 0, $"verified={verified} with {codes} backup codes");
                if (!verified)
                {
                    var again = await setup.client.PostJsonAsync("/v1/me/totp/attempt_verification", new { code = app.TotpCode(setup.Item3) });
                    var body = await again.JsonAsync();
                    Assert.True(again.IsSuccessStatusCode, body.ToString());
                    Assert.Equal(10, body.GetProperty("backup_codes").GetArrayLength());
                }
            });
    }

    [Fact]
    public async Task A_totp_sign_in_that_failed_midway_completes_when_sent_again_and_its_step_is_not_lost()
    {
        await ForEveryStorageRequestAsync(
            async () =>
            {
                var user = await app.EnrolAsync(Wire.NewUserId());
                app.Time.Advance(TimeSpan.FromSeconds(30));
                return (user, await app.StartSignInAsync(user.UserId));
            },
            setup => app.AttemptAsync(setup.Item2, "totp", app.TotpCode(setup.user.TotpSecret)),
            async (setup, _) =>
            {
                await AssertCompletesAsync(await app.AttemptAsync(setup.Item2, "totp", app.TotpCode(setup.user.TotpSecret)));
                Assert.Equal(10, (await app.BackendUserAsync(setup.user.UserId)).GetProperty("backup_codes_remaining").GetInt32());
            });
    }

    [Fact]
    public async Task A_backup_code_is_not_used_up_by_a_sign_in_that_failed_midway()
    {
        await ForEveryStorageRequestAsync(
            async () =>
            {
                var user = await app.EnrolAsync(Wire.NewUserId());
                return (user, await app.StartSignInAsync(user.UserId));
            },
            setup => app.AttemptAsync(setup.Item2, "backup_code", setup.user.BackupCodes[0]),
            async (setup, _) =>
            {
                await AssertCompletesAsync(await app.AttemptAsync(setup.Item2, "backup_code", setup.user.BackupCodes[0]));
                Assert.Equal(9, (await app.BackendUserAsync(setup.user.UserId)).GetProperty("backup_codes_remaining").GetInt32());
                // Spent now, and only now.
                var next = await app.StartSignInAsync(setup.user.UserId);
                await (await app.AttemptAsync(next, "backup_code", setup.user.BackupCodes[0])).ErrorAsync(422, "form_code_incorrect");
            });
    }

    [Fact]
    public async Task A_phone_code_sign_in_that_failed_midway_completes_when_sent_again()
    {
        await ForEveryStorageRequestAsync(
            async () =>
            {
                var (userId, number) = await app.UserWithSecondFactorPhoneAsync();
                var signIn = await app.StartSignInAsync(userId);
                var prepared = await app.ClientWithToken(signIn.ClientToken).PostJsonAsync(
                    $"/v1/client/sign_ins/{signIn.Id}/prepare_second_factor", new { strategy = "phone_code" });
                Assert.Equal(HttpStatusCode.OK, prepared.StatusCode);
                return (signIn, await app.NextCodeAsync(number));
            },
            setup => app.AttemptAsync(setup.signIn, "phone_code", setup.Item2),
            async (setup, _) => await AssertCompletesAsync(await app.AttemptAsync(setup.signIn, "phone_code", setup.Item2)));
    }

    [Fact]
    public async Task Phone_number_verification_that_failed_midway_leaves_the_number_verifiable()
    {
        await ForEveryStorageRequestAsync(
            async () =>
            {
                var userId = Wire.NewUserId();
                var client = app.ClientWithToken(app.SessionToken(userId, null));
                var number = TestNumbers.NewUs();
                var id = (await client.AddAsync(number)).GetProperty("id").GetString()!;
                await client.PrepareAsync(id);
                return (client, id, await app.NextCodeAsync(number));
            },
            setup => setup.client.AttemptAsync(setup.id, setup.Item3),
            async (setup, _) =>
            {
                var phones = (await (await setup.client.GetAsync("/v1/me")).JsonAsync()).GetProperty("phone_numbers");
                var verified = phones.EnumerateArray().Single().GetProperty("verified").GetBoolean();
                if (!verified)
                {
                    var again = await setup.client.AttemptAsync(setup.id, setup.Item3);
                    Assert.True(again.IsSuccessStatusCode, await again.Content.ReadAsStringAsync());
                }
            });
    }

    [Fact]
    public async Task Backup_code_regeneration_that_failed_midway_leaves_one_whole_set_and_can_be_sent_again()
    {
        await ForEveryStorageRequestAsync(
            async () =>
            {
                var user = await app.EnrolAsync(Wire.NewUserId());
                return (user, app.ClientWithToken(app.SessionToken(user.UserId)));
            },
            setup => setup.Item2.PostAsync("/v1/me/backup_codes", null),
            async (setup, _) =>
            {
                var rows = await Totp.TotpApi.PartitionAsync(app, setup.user.UserId);
                Assert.Equal(10, BackupCodes.BackupCodeTests.CodesIn(rows["bcset"]));
                var again = await setup.Item2.PostAsync("/v1/me/backup_codes", null);
                var body = await again.JsonAsync();
                Assert.True(again.IsSuccessStatusCode, body.ToString());
                var next = await app.StartSignInAsync(setup.user.UserId);
                await AssertCompletesAsync(await app.AttemptAsync(next, "backup_code", body.GetProperty("codes")[0].GetString()!));
            });
    }

    [Fact]
    public async Task A_write_that_loses_every_round_is_answered_409_concurrent_request_conflict_and_leaves_nothing()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));

        // Every transaction on the users' table loses its condition, as against writers that never stop: the retry
        // bound ends it with the contract's conflict, not a 500.
        app.Faults.Arm((_, m) => m.Request.Method == RequestMethod.Post && m.Request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal), status: 412);
        HttpResponseMessage contended;
        try
        {
            contended = await client.PostAsync("/v1/me/totp", null);
        }
        finally
        {
            app.Faults.Disarm();
        }

        await contended.ErrorAsync(409, "concurrent_request_conflict");
        Assert.False((await Totp.TotpApi.PartitionAsync(app, userId)).ContainsKey("totp"));
        var created = await client.PostAsync("/v1/me/totp", null);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
    }

    /// <summary>
    /// A new set replaces the old one (API.md), so of the sets handed out exactly one works: the last committed. Two
    /// regenerations that overlap cannot both commit (one is refused or retried on the newer row); two that happen to run
    /// one after the other both succeed, and the first one's set is then rightly gone. No answer is a mix of two sets.
    /// </summary>
    [Fact]
    public async Task Concurrent_regenerations_leave_exactly_one_handed_out_set_working_or_answer_a_clear_conflict()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var token = app.SessionToken(user.UserId);
        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => app.ClientWithToken(token).PostAsync("/v1/me/backup_codes", null)));
        var winners = new List<JsonElement>();
        foreach (var answer in answers)
        {
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                winners.Add(await answer.JsonAsync());
            }
            else
            {
                await answer.ErrorAsync(409, "concurrent_request_conflict");
            }
        }

        Assert.NotEmpty(winners);
        var me = await (await app.ClientWithToken(token).GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(10, me.GetProperty("backup_codes_remaining").GetInt32());
        var working = 0;
        foreach (var set in winners)
        {
            var codes = set.GetProperty("codes").EnumerateArray().Select(code => code.GetString()!).ToList();
            Assert.Equal(10, codes.Distinct().Count());
            var response = await app.AttemptAsync(await app.StartSignInAsync(user.UserId), "backup_code", codes[0]);
            if (response.IsSuccessStatusCode)
            {
                await AssertCompletesAsync(response);
                working++;
            }
            else
            {
                await response.ErrorAsync(422, "form_code_incorrect");
            }
        }

        Assert.Equal(1, working);
        // The user's codes are the working set's: ten, one now used.
        me = await (await app.ClientWithToken(token).GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(9, me.GetProperty("backup_codes_remaining").GetInt32());
    }

    /// <summary>
    /// Counts the storage requests <paramref name="act"/> makes on a fresh <paramref name="setup"/>, then for each N from 1
    /// fails the Nth on another fresh setup and checks what is left with <paramref name="check"/>.
    /// </summary>
    private async Task ForEveryStorageRequestAsync<T>(Func<Task<T>> setup, Func<T, Task<HttpResponseMessage>> act, Func<T, HttpResponseMessage, Task> check)
    {
        var dry = await setup();
        app.Faults.Count();
        var ok = await act(dry);
        var requests = app.Faults.Requests;
        app.Faults.Disarm();
        Assert.True(ok.IsSuccessStatusCode, await ok.Content.ReadAsStringAsync());
        Assert.InRange(requests, 2, 30);

        for (var n = 1; n <= requests; n++)
        {
            var state = await setup();
            app.Faults.FailNth(n);
            var response = await act(state);
            app.Faults.Disarm();
            Assert.True(!response.IsSuccessStatusCode, $"storage request {n} of {requests} failed, yet the answer was {response.StatusCode}");
            await AssertStorageFaultAsync(response, n);
            await check(state, response);
        }
    }

    private static async Task AssertStorageFaultAsync(HttpResponseMessage response, int n)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"request {n}: {response.StatusCode} {body}");
        Assert.Contains("\"storage_unavailable\"", body, StringComparison.Ordinal);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.DoesNotContain("Injected", body, StringComparison.Ordinal);
    }

    private async Task AssertCompletesAsync(HttpResponseMessage response)
    {
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        Assert.Equal("complete", body.GetProperty("status").GetString());
        var token = body.GetProperty("session_token").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(token).GetAsync("/v1/me")).StatusCode);
    }

}
