// The dashboard's only script of its own: save text the server made (a chart's CSV) as a file; the window's height for a
// chart shown full screen.
window.promptDfd = {
    download(fileName, text, type) {
        const url = URL.createObjectURL(new Blob([text], { type }));
        const link = document.createElement("a");
        link.href = url;
        link.download = fileName;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
    viewportHeight: () => window.innerHeight,
};
