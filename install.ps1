# Installs the relayfile binary for Windows from a release, checked against the release's SHA256SUMS, without admin
# rights, into %LOCALAPPDATA%\relayfile\bin (or $env:RELAYFILE_INSTALL).
#
#   irm https://github.com/agentworkforce/relayfile-deno/releases/latest/download/install.ps1 | iex
#   & ([scriptblock]::Create((irm …/install.ps1))) -Version v0.2.0
#
# RELAYFILE_RELEASES_URL overrides where releases are read (a fork, a mirror, a test server).
param([string]$Version = "latest")
$ErrorActionPreference = "Stop"

$releases = if ($env:RELAYFILE_RELEASES_URL) { $env:RELAYFILE_RELEASES_URL } else { "https://github.com/agentworkforce/relayfile-deno/releases" }
$arch = $env:PROCESSOR_ARCHITECTURE
if ($arch -ne "AMD64") { throw "install.ps1: no release binary for Windows on $arch" }
$asset = "relayfile-windows-x64.exe"
if ($Version -eq "latest") { $from = "$releases/latest/download" }
else {
  if (-not $Version.StartsWith("v")) { $Version = "v$Version" }
  $from = "$releases/download/$Version"
}
$dir = if ($env:RELAYFILE_INSTALL) { $env:RELAYFILE_INSTALL } else { Join-Path $env:LOCALAPPDATA "relayfile\bin" }

$tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("relayfile-" + [guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
  Write-Host "relayfile: downloading $asset ($Version) from $from"
  Invoke-WebRequest -UseBasicParsing -Uri "$from/$asset" -OutFile (Join-Path $tmp $asset)
  Invoke-WebRequest -UseBasicParsing -Uri "$from/SHA256SUMS" -OutFile (Join-Path $tmp "SHA256SUMS")
  $line = Get-Content (Join-Path $tmp "SHA256SUMS") | Where-Object { ($_ -split "\s+")[1] -in @($asset, "*$asset") } | Select-Object -First 1
  if (-not $line) { throw "install.ps1: SHA256SUMS lists no $asset; nothing installed" }
  $expected = ($line -split "\s+")[0].ToLower()
  $actual = (Get-FileHash -Algorithm SHA256 (Join-Path $tmp $asset)).Hash.ToLower()
  if ($expected -ne $actual) { throw "install.ps1: checksum mismatch for $asset (expected $expected, got $actual); nothing installed" }
  Write-Host "relayfile: checksum ok ($actual)"
  New-Item -ItemType Directory -Force -Path $dir | Out-Null
  $target = Join-Path $dir "relayfile.exe"
  if (Test-Path $target) { Move-Item -Force $target "$target.old" }
  Move-Item -Force (Join-Path $tmp $asset) $target
  Write-Host "relayfile: installed $target ($(& $target --version))"
  if (-not (($env:PATH -split ";") -contains $dir)) {
    Write-Host "relayfile: $dir is not on your PATH; add it:  setx PATH `"$dir;%PATH%`""
  }
} finally {
  Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue
}
