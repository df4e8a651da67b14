using System.Globalization;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.Security;

/// <summary>
/// Newest first; <c>?limit=</c> 1–100 (default 50); <c>?before=</c> an event id: only older events, so a client
/// reads the whole trail page by page, passing the last id it got while <c>has_more</c> is true.
/// Round trips: 1 (partition query, one page).
/// </summary>
[CalledBy(Caller.Backend)]
internal sealed class ListUserEvents(SecurityEventLog events)
{
    [Function(nameof(ListUserEvents))]
    public async Task<Results<Ok<SecurityEventList>, ErrorResult>> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "v1/users/{user_id}/events")] HttpRequest request, string user_id, CancellationToken cancellationToken)
    {
        var userId = user_id;
        var before = request.Query["before"] is [{ } after] ? after : null;
        int? limit = null;
        if (request.Query["limit"] is [{ } text])
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return MfaErrors.FormParamValueInvalid("limit").Result();
            }

            limit = parsed;
        }

        if (!UserRows.IsValidUserId(userId))
        {
            return MfaErrors.ResourceNotFound.Result();
        }

        if (limit is < 1 or > MaxEventLimit)
        {
            return MfaErrors.FormParamValueInvalid("limit").Result();
        }

        if (before is not null && !SecurityEventLog.IsWellFormedId(before))
        {
            return MfaErrors.FormParamFormatInvalid("before").Result();
        }

        var page = await events.ListAsync(userId, limit ?? DefaultEventLimit, before, cancellationToken);
        var data = page.Events.Select(e => new SecurityEventResource(e.Id, e.Type, e.At.ToUnixTimeMilliseconds(), e.Data)).ToList();
        return TypedResults.Ok(new SecurityEventList(data, data.Count, page.HasMore));
    }

    private const int DefaultEventLimit = 50;
    private const int MaxEventLimit = 100;
}
