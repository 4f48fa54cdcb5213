using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace Acme.Billing.Reports;

[ApiController]
[Authorize(Policy = "finance")]
[Route("reports")]
public sealed class ReportsController : ControllerBase
{
    private readonly ReportService _reports;

    public ReportsController(ReportService reports) => _reports = reports;

    /// <summary>Totals for one month, e.g. GET /reports/2024/5.</summary>
    /// <remarks>
    /// Used by the finance dashboard; it calls this once per month shown (twelve times on load).
    /// </remarks>
    /// <param name="year">Calendar year.</param>
    /// <param name="month">1-12.</param>
    /// <param name="ct">Request cancellation.</param>
    [HttpGet("{year:int}/{month:int:range(1,12)}")]
    public Task<MonthlyReport> Monthly(int year, int month, CancellationToken ct) => _reports.BuildMonthlyAsync(year, month, ct);
}
