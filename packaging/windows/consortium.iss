; Inno Setup script: a per-user installer with a Start-menu shortcut for the PyInstaller bundle
; in dist\consortium (see .github/workflows/package.yml). Build: ISCC /DAppVersion=0.1.0 consortium.iss
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6C1E2F3A-8F2B-4C1D-9E55-3B1C0A7D2E10}
AppName=Consortium
AppVersion={#AppVersion}
AppPublisher=Consortium maintainers
DefaultDirName={localappdata}\Programs\Consortium
DefaultGroupName=Consortium
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=Consortium-{#AppVersion}-windows-setup
SetupIconFile=..\..\consortium\data\icons\consortium.ico
UninstallDisplayIcon={app}\consortium.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Files]
Source: "..\..\dist\consortium\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Consortium"; Filename: "{app}\consortium.exe"
Name: "{userdesktop}\Consortium"; Filename: "{app}\consortium.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\consortium.exe"; Description: "Open Consortium now"; Flags: nowait postinstall skipifsilent
